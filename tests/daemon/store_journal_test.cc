// The job journal on the job database (daemon/store_journal.h): records written behind
// (PutLazily) are stored by the writer, survive a clean close, and never land over a newer
// state of the same job.
#include "daemon/store_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cache/job_store.h"
#include "tests/cache/temp_dir.h"

namespace ttc::daemon {
namespace {

v1::Job MakeJob(const std::string& id, v1::JobStage stage, const std::string& progress) {
  v1::Job job;
  job.set_id(id);
  job.set_stage(stage);
  job.set_progress(progress);
  return job;
}

std::unique_ptr<cache::JobStore> OpenStore(const std::string& path) {
  auto store = cache::JobStore::Open({.path = path});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(StoreJournal, LazilyWrittenRecordsAreStoredAndSurviveACleanClose) {
  testing::TempDir dir;
  const std::string path = dir.path().string() + "/jobs";
  {
    auto store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    StoreJournal journal(store.get());
    for (int i = 0; i < 300; ++i) {  // more than one batch
      ASSERT_TRUE(journal.PutLazily(MakeJob("job-" + std::to_string(1000 + i), v1::COMPLETED, "cached")).ok());
    }
    ASSERT_TRUE(journal.Put(MakeJob("job-2000", v1::QUEUED, "durable")).ok());
    // LoadAll writes what is queued first: every record is there.
    auto all = journal.LoadAll();
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->size(), 301u);
    ASSERT_TRUE(journal.PutLazily(MakeJob("job-3000", v1::COMPLETED, "queued at close")).ok());
  }  // the journal's destructor writes job-3000; the store's close flushes the unlogged records
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  StoreJournal journal(store.get());
  auto all = journal.LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 302u);
  EXPECT_EQ(all->back().id(), "job-3000");
  EXPECT_EQ(all->back().progress(), "queued at close");
}

TEST(StoreJournal, ADurablePutWinsOverAQueuedRecordOfTheSameJob) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path().string() + "/jobs");
  ASSERT_NE(store, nullptr);
  StoreJournal journal(store.get());
  ASSERT_TRUE(journal.PutLazily(MakeJob("job-1", v1::QUEUED, "old")).ok());
  ASSERT_TRUE(journal.Put(MakeJob("job-1", v1::COMPLETED, "new")).ok());
  journal.Flush();
  auto all = journal.LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].stage(), v1::COMPLETED);
  EXPECT_EQ((*all)[0].progress(), "new");
}

}  // namespace
}  // namespace ttc::daemon
