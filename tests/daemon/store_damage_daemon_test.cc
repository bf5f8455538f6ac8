// ttcd over a damaged or full data dir (docs/operations.md, "Disk full", "Damaged store"):
// damaged cache files are quarantined and ttcd serves with an empty cache; under the reserve
// misses are refused with RESOURCE_EXHAUSTED naming the data dir while hits go on and the
// "ttc.store" health service says so; jobs left in an old store move to their own database;
// a corrupt job record is quarantined and the other jobs recover.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <rocksdb/db.h>

#include "absl/strings/match.h"
#include "cache/job_store.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/testing.h"

namespace ttc::testing {
namespace {

namespace fs = std::filesystem;

grpc::health::v1::HealthCheckResponse::ServingStatus Health(grpc::health::v1::Health::Stub* stub,
                                                            const std::string& service) {
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse r;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  EXPECT_TRUE(stub->Check(&ctx, req, &r).ok()) << service;
  return r.status();
}

v1::Job JobWithId(const std::string& id) {
  v1::Job job;
  job.set_id(id);
  job.set_stage(v1::QUEUED);
  *job.mutable_spec()->mutable_request() = LoadExample("kernel_1d");
  return job;
}

TEST_F(DaemonTest, DamagedCacheFilesAtStartAreQuarantinedAndTtcdServesWithAnEmptyCache) {
  daemon::Config c = BaseConfig();
  StartServer(c);
  v1::CompileResponse first;
  ASSERT_TRUE(Compile(LoadExample("kernel_1d"), &first).ok());
  StopServer();
  {
    std::ofstream current(c.data_dir + "/store/CURRENT", std::ios::trunc);
    current << "MANIFEST-garbage";  // no newline: RocksDB reports Corruption
  }
  StartServer(c);
  const v1::Stats s = Stats();
  ASSERT_EQ(s.quarantined_size(), 1);
  EXPECT_TRUE(fs::exists(s.quarantined(0) + "/CURRENT")) << s.quarantined(0);
  EXPECT_TRUE(absl::StartsWith(s.quarantined(0), c.data_dir + "/quarantine/store-")) << s.quarantined(0);
  v1::CompileResponse again;
  ASSERT_TRUE(Compile(LoadExample("kernel_1d"), &again).ok());
  EXPECT_FALSE(again.cache_hit());  // an empty cache: recompiled, same result
  EXPECT_EQ(again.result().output_files_size(), first.result().output_files_size());
  EXPECT_EQ(Health(health_.get(), ""), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(DaemonTest, UnderTheReserveMissesAreRefusedNamingTheDataDirAndHitsGoOn) {
  daemon::Config c = BaseConfig();
  StartServer(c);
  v1::CompileResponse first;
  ASSERT_TRUE(Compile(LoadExample("kernel_1d"), &first).ok());
  StopServer();
  c.store_reserve = int64_t{1} << 60;  // more than any disk has free
  StartServer(c);
  v1::CompileResponse hit;
  ASSERT_TRUE(Compile(LoadExample("kernel_1d"), &hit).ok());
  EXPECT_TRUE(hit.cache_hit());
  v1::CompileResponse miss;
  grpc::Status st = Compile(LoadExample("kernel_3d"), &miss);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  EXPECT_TRUE(absl::StrContains(st.error_message(), c.data_dir + "/store")) << st.error_message();
  EXPECT_TRUE(absl::StrContains(st.error_message(), "free")) << st.error_message();
  EXPECT_EQ(Health(health_.get(), ""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(health_.get(), "ttc.store"), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(health_.get(), "ttc.v1.Compiler"), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  const v1::Stats s = Stats();
  EXPECT_GE(s.refused_writes(), 1);
  EXPECT_EQ(s.store_reserve(), int64_t{1} << 60);
}

TEST_F(DaemonTest, JobsLeftInAnOldStoreMoveToTheirOwnDatabase) {
  daemon::Config c = BaseConfig();
  {
    // A store as ttcd wrote it before jobs had their own database: jobs in its `jobs` family.
    fs::create_directories(c.data_dir);
    rocksdb::DBOptions o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                             {"cas", {}}, {"ac", {}}, {"access", {}}, {"jobs", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, c.data_dir + "/store", families, &handles, &db).ok());
    const v1::Job job = JobWithId("job-0000000001-0a0b0c0d");
    ASSERT_TRUE(db->Put({}, handles[4], job.id(), job.SerializeAsString()).ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  StartServer(c);
  auto jobs = server_->scheduler()->ListJobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id(), "job-0000000001-0a0b0c0d");
  StopServer();
  StartServer(c);  // moved once, still there after a restart
  EXPECT_EQ(server_->scheduler()->ListJobs().size(), 1u);
}

TEST_F(DaemonTest, ACorruptJobRecordIsQuarantinedAndTheOtherJobsRecover) {
  daemon::Config c = BaseConfig();
  fs::create_directories(c.data_dir);
  {
    auto journal = cache::JobStore::Open({.path = c.data_dir + "/jobs"});
    ASSERT_TRUE(journal.ok()) << journal.status();
    const v1::Job good = JobWithId("job-0000000001-00000001");
    ASSERT_TRUE((*journal)->Put(good.id(), good.SerializeAsString()).ok());
    ASSERT_TRUE((*journal)->Put("job-0000000002-00000002", std::string("\xff\xff\xff garbage", 12)).ok());
  }
  StartServer(c);
  auto jobs = server_->scheduler()->ListJobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id(), "job-0000000001-00000001");
  StopServer();
  auto journal = cache::JobStore::Open({.path = c.data_dir + "/jobs"});
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ((*journal)->QuarantinedCount(), 1);
}

}  // namespace
}  // namespace ttc::testing
