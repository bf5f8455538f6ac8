// cache/digest.h: SHA-256 against the published test vectors, digest well-formedness, keys.
#include "cache/digest.h"

#include <gtest/gtest.h>

namespace ttc::cache {
namespace {

constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbcSha[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Digest, Sha256PublishedVectors) {
  EXPECT_EQ(Sha256Hex(""), kEmptySha);
  EXPECT_EQ(Sha256Hex("abc"), kAbcSha);
  // FIPS 180-2 two-block vector.
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Embedded NUL bytes are hashed, not treated as terminators.
  EXPECT_NE(Sha256Hex(std::string_view("a\0b", 3)), Sha256Hex("a"));
}

TEST(Digest, DigestOfAndEmptyDigest) {
  const v1::Digest d = DigestOf("abc");
  EXPECT_EQ(d.hash(), kAbcSha);
  EXPECT_EQ(d.size_bytes(), 3);
  EXPECT_EQ(EmptyDigest().hash(), kEmptySha);
  EXPECT_EQ(EmptyDigest().size_bytes(), 0);
  EXPECT_TRUE(IsWellFormed(d));
  EXPECT_TRUE(IsWellFormed(EmptyDigest()));
  EXPECT_EQ(DigestKey(d), std::string(kAbcSha) + "/3");
}

TEST(Digest, IsWellFormedRejects) {
  v1::Digest upper = DigestOf("abc");
  upper.set_hash("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_FALSE(IsWellFormed(upper));
  v1::Digest one_upper = DigestOf("abc");
  one_upper.mutable_hash()->at(0) = 'B';
  EXPECT_FALSE(IsWellFormed(one_upper));

  v1::Digest short_hash = DigestOf("abc");
  short_hash.mutable_hash()->pop_back();
  EXPECT_FALSE(IsWellFormed(short_hash));
  v1::Digest long_hash = DigestOf("abc");
  long_hash.mutable_hash()->push_back('0');
  EXPECT_FALSE(IsWellFormed(long_hash));
  v1::Digest empty_hash;
  EXPECT_FALSE(IsWellFormed(empty_hash));

  v1::Digest non_hex = DigestOf("abc");
  non_hex.mutable_hash()->at(5) = 'g';
  EXPECT_FALSE(IsWellFormed(non_hex));

  v1::Digest negative = DigestOf("abc");
  negative.set_size_bytes(-1);
  EXPECT_FALSE(IsWellFormed(negative));
}

}  // namespace
}  // namespace ttc::cache
