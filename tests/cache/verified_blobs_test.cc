// The set of blobs this process verified (cache/verified_blobs.h): what a CAS read may skip
// (the SHA-256, the last-use write) and when it must not.
#include "cache/verified_blobs.h"

#include <gtest/gtest.h>

#include <string>

#include "cache/digest.h"

namespace ttc::cache {
namespace {

TEST(VerifiedBlobs, AnUnseenBlobIsNotVerifiedAndIsTouched) {
  VerifiedBlobs v;
  const VerifiedBlobs::Seen s = v.Lookup(DigestOf("reader"), 1000);
  EXPECT_FALSE(s.verified);
  EXPECT_TRUE(s.touch);
}

TEST(VerifiedBlobs, AVerifiedBlobIsTouchedAtMostOnceASecond) {
  VerifiedBlobs v;
  const v1::Digest d = DigestOf("reader");
  v.Insert(d, 10'000);
  EXPECT_TRUE(v.Lookup(d, 10'000).verified);
  EXPECT_FALSE(v.Lookup(d, 10'999).touch);
  EXPECT_TRUE(v.Lookup(d, 11'000).touch);   // a second after the last write: written now
  EXPECT_FALSE(v.Lookup(d, 11'500).touch);  // counted from 11'000
  EXPECT_TRUE(v.Lookup(d, 12'000).touch);
}

TEST(VerifiedBlobs, TheSizeIsPartOfTheKeyAndEraseForgets) {
  VerifiedBlobs v;
  v1::Digest d = DigestOf("writer");
  v.Insert(d, 0);
  v1::Digest other_size = d;
  other_size.set_size_bytes(d.size_bytes() + 1);
  EXPECT_FALSE(v.Lookup(other_size, 0).verified);
  v.Erase(d);
  EXPECT_FALSE(v.Lookup(d, 0).verified);
}

TEST(VerifiedBlobs, TheSetIsBoundedByClearingAFullShard) {
  VerifiedBlobs v;
  const size_t n = VerifiedBlobs::kVerifiedEntries + 1000;
  for (size_t i = 0; i < n; ++i) v.Insert(DigestOf(std::to_string(i)), 0);
  EXPECT_LE(v.size(), VerifiedBlobs::kVerifiedEntries);
  EXPECT_GT(v.size(), 0u);
  v.Clear();
  EXPECT_EQ(v.size(), 0u);
}

}  // namespace
}  // namespace ttc::cache
