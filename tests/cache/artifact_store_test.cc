// The ArtifactStore contract (cache/artifact_store.h), run over both implementations:
// MemoryStore and RocksDbStore (in a fresh temp directory per test).
#include "cache/artifact_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "cache/digest.h"
#include "cache/rocksdb_store.h"
#include "tests/cache/temp_dir.h"

namespace ttc::cache {
namespace {

using google::protobuf::util::MessageDifferencer;

struct MemoryFactory {
  static std::unique_ptr<ArtifactStore> Make(const testing::TempDir&) { return std::make_unique<MemoryStore>(); }
};

struct RocksDbFactory {
  static std::unique_ptr<ArtifactStore> Make(const testing::TempDir& dir) {
    auto store = RocksDbStore::Open({.path = dir.Sub("db")});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return nullptr;
    return std::move(*store);
  }
};

template <typename Factory>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Factory::Make(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override { store_.reset(); }  // close before the directory goes

  testing::TempDir dir_;
  std::unique_ptr<ArtifactStore> store_;
};

using Factories = ::testing::Types<MemoryFactory, RocksDbFactory>;
class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryFactory> ? "Memory" : "RocksDb";
  }
};
TYPED_TEST_SUITE(StoreContract, Factories, FactoryNames);

v1::ActionResult ResultWith(const std::vector<std::pair<std::string, v1::Digest>>& files) {
  v1::ActionResult r;
  for (const auto& [path, digest] : files) {
    v1::OutputFile* f = r.add_output_files();
    f->set_path(path);
    *f->mutable_digest() = digest;
  }
  r.set_success(true);
  r.set_compiler_build_id("ttc 0.1.0 (test)");
  r.set_compile_micros(1234);
  v1::DiagnosticMessage* d = r.add_diagnostics();
  d->set_severity(v1::DiagnosticMessage::WARNING);
  d->set_location("14:9");
  d->set_message("a warning");
  d->set_pass("lower");
  return r;
}

constexpr char kKey[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TYPED_TEST(StoreContract, BlobRoundTrip) {
  const std::string data = "kernel bytes\n";
  std::string binary("\0\x01\xff\x7f zero", 9);
  ASSERT_TRUE(this->store_->PutBlob(DigestOf(data), data).ok());
  ASSERT_TRUE(this->store_->PutBlob(DigestOf(binary), binary).ok());
  auto got = this->store_->GetBlob(DigestOf(data));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
  auto got_binary = this->store_->GetBlob(DigestOf(binary));
  ASSERT_TRUE(got_binary.ok()) << got_binary.status();
  EXPECT_EQ(*got_binary, binary);
  // Idempotent.
  EXPECT_TRUE(this->store_->PutBlob(DigestOf(data), data).ok());
  EXPECT_EQ(*this->store_->GetBlob(DigestOf(data)), data);
  // Absent blobs are NOT_FOUND.
  EXPECT_EQ(this->store_->GetBlob(DigestOf("absent")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(this->store_->corruptions(), 0);
}

TYPED_TEST(StoreContract, DigestMismatchStoresNothing) {
  const v1::Digest claimed = DigestOf("the real bytes");
  // Same size, other content.
  absl::Status st = this->store_->PutBlob(claimed, "the fake bytes");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  // Right hash, wrong size.
  v1::Digest wrong_size = claimed;
  wrong_size.set_size_bytes(claimed.size_bytes() + 1);
  st = this->store_->PutBlob(wrong_size, "the real bytes");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;

  EXPECT_EQ(this->store_->GetBlob(claimed).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(this->store_->GetBlob(wrong_size).status().code(), absl::StatusCode::kNotFound);
  auto missing = this->store_->FindMissing({claimed, wrong_size});
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_TRUE(MessageDifferencer::Equals(missing[0], claimed));
  EXPECT_TRUE(MessageDifferencer::Equals(missing[1], wrong_size));
}

TYPED_TEST(StoreContract, MalformedDigestIsInvalidArgument) {
  const std::string data = "abc";
  v1::Digest upper = DigestOf(data);
  for (char& c : *upper.mutable_hash()) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v1::Digest short_hash = DigestOf(data);
  short_hash.mutable_hash()->resize(63);
  v1::Digest negative = DigestOf(data);
  negative.set_size_bytes(-3);
  v1::Digest empty;
  for (const v1::Digest& d : {upper, short_hash, negative, empty}) {
    absl::Status st = this->store_->PutBlob(d, data);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << d.ShortDebugString() << ": " << st;
  }
  EXPECT_EQ(this->store_->GetBlob(DigestOf(data)).status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(StoreContract, EmptyBlobAlwaysPresent) {
  auto got = this->store_->GetBlob(EmptyDigest());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "");
  EXPECT_TRUE(this->store_->FindMissing({EmptyDigest()}).empty());
  EXPECT_TRUE(this->store_->FindMissing({EmptyDigest(), DigestOf("")}).empty());
  // Putting it is accepted (idempotent) and changes nothing.
  EXPECT_TRUE(this->store_->PutBlob(EmptyDigest(), "").ok());
  EXPECT_EQ(*this->store_->GetBlob(EmptyDigest()), "");
  EXPECT_TRUE(this->store_->FindMissing({EmptyDigest()}).empty());
  // An action result referencing only the empty blob is accepted and reads back.
  const v1::ActionResult r = ResultWith({{"empty.txt", EmptyDigest()}});
  ASSERT_TRUE(this->store_->PutActionResult(kKey, r).ok());
  auto back = this->store_->GetActionResult(kKey);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*back, r));
}

TYPED_TEST(StoreContract, FindMissingExactlyAbsentInInputOrder) {
  std::vector<v1::Digest> all;
  for (int i = 0; i < 10; ++i) all.push_back(DigestOf("blob " + std::to_string(i)));
  for (int i = 0; i < 10; i += 3) {
    ASSERT_TRUE(this->store_->PutBlob(all[i], "blob " + std::to_string(i)).ok());
  }
  // Input in a scrambled order, with the empty blob and a duplicate mixed in.
  const std::vector<int> order = {7, 0, 5, 9, 2, 3, 8, 1, 6, 4, 5};
  std::vector<v1::Digest> query;
  for (int i : order) {
    query.push_back(all[i]);
    if (i == 9) query.push_back(EmptyDigest());
  }
  std::vector<v1::Digest> expected;
  for (int i : order) {
    if (i % 3 != 0) expected.push_back(all[i]);
  }
  const auto missing = this->store_->FindMissing(query);
  ASSERT_EQ(missing.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(missing[i], expected[i]))
        << i << ": " << missing[i].ShortDebugString() << " vs " << expected[i].ShortDebugString();
  }
  EXPECT_TRUE(this->store_->FindMissing({}).empty());
  EXPECT_TRUE(this->store_->FindMissing({all[0], all[3], all[6], all[9]}).empty());
}

TYPED_TEST(StoreContract, ActionResultWithMissingBlobIsRejected) {
  const std::string present = "reader.cpp bytes";
  ASSERT_TRUE(this->store_->PutBlob(DigestOf(present), present).ok());
  const v1::ActionResult r =
      ResultWith({{"plan.json", DigestOf("never stored")}, {"reader.cpp", DigestOf(present)}});
  absl::Status st = this->store_->PutActionResult(kKey, r);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_EQ(this->store_->GetActionResult(kKey).status().code(), absl::StatusCode::kNotFound);
  // Storing the blob afterwards does not resurrect the rejected result.
  ASSERT_TRUE(this->store_->PutBlob(DigestOf("never stored"), "never stored").ok());
  EXPECT_EQ(this->store_->GetActionResult(kKey).status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(StoreContract, ActionResultRoundTrip) {
  const std::vector<std::string> files = {"compute.cpp", "main.cpp", "reader.cpp"};
  std::vector<std::pair<std::string, v1::Digest>> outputs;
  for (const auto& f : files) {
    const std::string bytes = "// " + f + "\n";
    ASSERT_TRUE(this->store_->PutBlob(DigestOf(bytes), bytes).ok());
    outputs.push_back({f, DigestOf(bytes)});
  }
  const v1::ActionResult r = ResultWith(outputs);
  ASSERT_TRUE(this->store_->PutActionResult(kKey, r).ok());
  auto back = this->store_->GetActionResult(kKey);
  ASSERT_TRUE(back.ok()) << back.status();
  std::string diff;
  MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(r, *back)) << diff;
  // Other keys are misses.
  EXPECT_EQ(this->store_->GetActionResult(std::string(64, 'f')).status().code(), absl::StatusCode::kNotFound);
  // A failed compile (no output files) is stored and returned too.
  v1::ActionResult failed;
  failed.set_success(false);
  failed.add_diagnostics()->set_message("error");
  ASSERT_TRUE(this->store_->PutActionResult(std::string(64, 'a'), failed).ok());
  auto failed_back = this->store_->GetActionResult(std::string(64, 'a'));
  ASSERT_TRUE(failed_back.ok()) << failed_back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*failed_back, failed));
}

TYPED_TEST(StoreContract, ConcurrentPutAndGet) {
  constexpr int kThreads = 8;
  constexpr int kOps = 200;
  std::atomic<int> errors{0};
  std::vector<std::string> first_error(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        // Half the blobs are shared between threads (concurrent writes of one key), half private.
        const std::string data = (i % 2 == 0) ? "shared blob " + std::to_string(i % 40)
                                              : "thread " + std::to_string(t) + " blob " + std::to_string(i);
        const v1::Digest d = DigestOf(data);
        absl::Status st = this->store_->PutBlob(d, data);
        auto got = this->store_->GetBlob(d);
        if (!st.ok() || !got.ok() || *got != data) {
          if (errors++ == 0 || first_error[t].empty()) {
            first_error[t] = st.ok() ? (got.ok() ? "wrong bytes" : got.status().ToString()) : st.ToString();
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string msgs;
  for (const auto& m : first_error) msgs += m.empty() ? "" : m + "; ";
  EXPECT_EQ(errors.load(), 0) << msgs;
  EXPECT_EQ(this->store_->corruptions(), 0);
  // Everything written is present afterwards.
  std::vector<v1::Digest> all;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 1; i < kOps; i += 2) all.push_back(DigestOf("thread " + std::to_string(t) + " blob " + std::to_string(i)));
  }
  EXPECT_TRUE(this->store_->FindMissing(all).empty());
}

}  // namespace
}  // namespace ttc::cache
