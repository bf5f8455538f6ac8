// The reliability suite: the real ttcd binary attacked the way storage engines and build
// caches are (kill -9 under load, flipped bytes in SST / WAL / MANIFEST, a full filesystem,
// wedging batches, amplifying requests). Every scenario asserts that nothing wrong is served
// (every result read back is the one acknowledged, every blob matches its digest), that ttcd
// never aborts, and that health answers within 1 s whenever ttcd is meant to be up.
//
// Short by default (ctest, a few seconds each). TTC_RELIABILITY=long runs the long version
// (`make reliability`: more rounds, clients and requests); each scenario prints one
// `reliability:` line of figures, which docs/reliability.md records.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AnyOf;

bool Long() {
  const char* v = std::getenv("TTC_RELIABILITY");
  return v != nullptr && std::string(v) == "long";
}

// Probes grpc.health.v1 every 50 ms with a 1 s deadline while enabled; counts the probes that
// missed the deadline or failed and keeps the slowest answer.
class HealthProbe {
 public:
  ~HealthProbe() { Stop(); }
  void Watch(const std::string& address) {
    Stop();
    stop_ = false;
    thread_ = std::thread([this, address] {
      auto stub = grpc::health::v1::Health::NewStub(remote::Connect(address));
      while (!stop_) {
        grpc::health::v1::HealthCheckRequest req;
        grpc::health::v1::HealthCheckResponse resp;
        grpc::ClientContext ctx;
        const auto t0 = std::chrono::steady_clock::now();
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
        const bool ok = stub->Check(&ctx, req, &resp).ok();
        const int64_t ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        ++probes_;
        if (!ok) ++missed_;
        max_ms_ = std::max<int64_t>(max_ms_, ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  // Call before ttcd is stopped on purpose.
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t probes() const { return probes_; }
  int64_t missed() const { return missed_; }
  int64_t max_ms() const { return max_ms_; }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{true};
  std::atomic<int64_t> probes_{0}, missed_{0}, max_ms_{0};
};

struct Acked {
  std::string key;
  v1::ActionResult result;
};

class Reliability : public ::testing::Test {
 protected:
  void TearDown() override {
    probe_.Stop();
    daemon_.reset();
    for (const std::string& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
  }

  // Starts the real ttcd on `data` (the probe follows it). False when it did not come up.
  bool Start(const std::string& data, std::vector<std::string> extra = {}) {
    probe_.Stop();
    fs::remove(dir_.Sub("port"));
    std::vector<std::string> argv = {TTCD_PATH, "--insecure", "--listen", "127.0.0.1:0", "--data-dir", data,
                                     "--port-file", dir_.Sub("port"), "--workers", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    log_ = dir_.Sub("ttcd.log." + std::to_string(starts_++));
    daemon_ = std::make_unique<Child>(argv, log_);
    if (!WaitFor([&] { return fs::exists(dir_.Sub("port")) && !ReadAll(dir_.Sub("port")).empty(); })) return false;
    const std::string port = ReadAll(dir_.Sub("port"));
    address_ = "127.0.0.1:" + port.substr(0, port.find('\n'));
    channel_ = remote::Connect(address_);
    compiler_ = v1::Compiler::NewStub(channel_);
    cas_ = v1::Cas::NewStub(channel_);
    probe_.Watch(address_);
    return true;
  }
  // kill -9; the exit status must be the kill, not an abort of its own.
  void Kill9() {
    probe_.Stop();
    daemon_->Signal(SIGKILL);
    EXPECT_EQ(daemon_->Wait(std::chrono::seconds(10)), 128 + SIGKILL) << ReadAll(log_);
  }
  void Terminate() {
    probe_.Stop();
    daemon_->Signal(SIGTERM);
    EXPECT_EQ(daemon_->Wait(std::chrono::seconds(30)), 0) << ReadAll(log_);
  }
  // Asserts the daemon is alive (no abort) and health answered every probe within 1 s.
  void ExpectAliveAndResponsive(const char* when) {
    EXPECT_EQ(daemon_->Wait(std::chrono::milliseconds(0)), -1) << when << ": ttcd exited\n" << ReadAll(log_);
    EXPECT_EQ(probe_.missed(), 0) << when << ": " << probe_.missed() << " of " << probe_.probes()
                                  << " health probes missed 1 s";
  }

  grpc::Status Compile(const std::string& name, v1::CompileResponse* resp, int seconds = 20) {
    v1::CompileRequest call;
    *call.mutable_request() = LoadExample("gemm_256_bf16");
    call.mutable_request()->mutable_func()->set_name(name);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    return compiler_->Compile(&ctx, call, resp);
  }

  // `clients` threads compile distinct kernels until `stop`; acknowledged results go to `acked`.
  std::vector<std::thread> Burst(int clients, const std::string& tag, std::atomic<bool>* stop) {
    std::vector<std::thread> out;
    for (int c = 0; c < clients; ++c) {
      out.emplace_back([this, c, tag, stop, address = address_] {
        auto compiler = v1::Compiler::NewStub(remote::Connect(address));
        for (int i = 0; !*stop && i < 100'000; ++i) {
          v1::CompileRequest call;
          *call.mutable_request() = LoadExample("gemm_256_bf16");
          call.mutable_request()->mutable_func()->set_name(absl::StrCat("k_", tag, "_", c, "_", i));
          v1::CompileResponse resp;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
          if (compiler->Compile(&ctx, call, &resp).ok() && resp.result().success()) {
            std::lock_guard<std::mutex> l(mu_);
            acked_.push_back({resp.action_key().key(), resp.result()});
          }
        }
      });
    }
    return out;
  }
  size_t AckedCount() {
    std::lock_guard<std::mutex> l(mu_);
    return acked_.size();
  }

  // Reads every acknowledged result back. `lost`: results that are gone (allowed only where
  // the scenario destroyed data); `wrong`: a result that differs from the one acknowledged or
  // a blob whose bytes do not match its digest (never allowed).
  void ReadBack(int64_t* lost, int64_t* wrong) {
    std::lock_guard<std::mutex> l(mu_);
    for (const Acked& a : acked_) {
      v1::GetActionResultRequest req;
      req.set_action_key(a.key);
      v1::ActionResult got;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      grpc::Status st = compiler_->GetActionResult(&ctx, req, &got);
      if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
        ++*lost;
        continue;
      }
      if (!st.ok() || got.output_files_size() != a.result.output_files_size()) {
        ++*wrong;
        continue;
      }
      std::vector<v1::Digest> digests;
      for (int i = 0; i < got.output_files_size(); ++i) {
        if (got.output_files(i).digest().hash() != a.result.output_files(i).digest().hash()) ++*wrong;
        digests.push_back(got.output_files(i).digest());
      }
      auto blobs = remote::FetchBlobs(cas_.get(), digests, std::chrono::system_clock::now() + std::chrono::seconds(10));
      if (absl::IsDataLoss(blobs.status())) ++*wrong;   // bytes served that do not match
      else if (!blobs.ok()) ++*lost;                     // a blob read as missing: a miss, not wrong
    }
  }

  static void Report(const std::string& line) {
    std::cout << "reliability: " << line << std::endl;
    ::testing::Test::RecordProperty("figures", line);
  }

  TempDir dir_;
  std::unique_ptr<Child> daemon_;
  std::string log_, address_;
  int starts_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Compiler::Stub> compiler_;
  std::unique_ptr<v1::Cas::Stub> cas_;
  HealthProbe probe_;
  std::mutex mu_;
  std::vector<Acked> acked_;
  std::vector<std::string> mounts_;
};

TEST_F(Reliability, Kill9RoundsUnderLoadLoseNoAcknowledgedResult) {
  const int rounds = Long() ? 6 : 2;
  const int clients = Long() ? 12 : 4;
  const std::string data = dir_.Sub("data");
  int64_t health_max = 0, probes = 0;
  for (int r = 0; r < rounds; ++r) {
    ASSERT_TRUE(Start(data)) << ReadAll(log_);
    std::atomic<bool> stop{false};
    const size_t before = AckedCount();
    auto load = Burst(clients, absl::StrCat("r", r), &stop);
    EXPECT_TRUE(WaitFor([&] { return AckedCount() >= before + (Long() ? 200 : 20); }, std::chrono::seconds(120)));
    ExpectAliveAndResponsive("under load");
    health_max = std::max(health_max, probe_.max_ms());
    probes += probe_.probes();
    Kill9();  // mid-burst: compiles are in flight right now
    stop = true;
    for (auto& t : load) t.join();
  }
  ASSERT_TRUE(Start(data)) << ReadAll(log_);
  int64_t lost = 0, wrong = 0;
  ReadBack(&lost, &wrong);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(wrong, 0);
  ExpectAliveAndResponsive("after the rounds");
  Report(absl::StrCat("scenario=kill9 rounds=", rounds, " clients=", clients, " acknowledged=", AckedCount(),
                      " lost=", lost, " wrong_served=", wrong, " health_probes=", probes,
                      " health_max_ms=", health_max));
}

// Flips one byte in the middle of the newest non-empty file of `dir` whose name `match`es.
bool FlipByteIn(const std::string& dir, const std::function<bool(const std::string&)>& match) {
  fs::path newest;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!match(e.path().filename().string()) || !e.is_regular_file() || e.file_size() == 0) continue;
    if (newest.empty() || fs::last_write_time(e.path()) > fs::last_write_time(newest)) newest = e.path();
  }
  if (newest.empty()) return false;
  std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
  const auto at = static_cast<std::streamoff>(fs::file_size(newest) / 2);
  char c = 0;
  f.seekg(at);
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(at);
  f.write(&c, 1);
  return f.good();
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST_F(Reliability, FlippedBytesInSstWalAndManifestAreNeverServed) {
  struct Case {
    const char* name;
    const char* suffix;
    bool kill;  // kill -9 leaves the WAL unflushed; SIGTERM flushes memtables to SSTs
  };
  int64_t total_lost = 0, total_wrong = 0, starts = 0;
  for (const Case& k : {Case{"sst", ".sst", false}, Case{"wal", ".log", true}, Case{"manifest", "", false}}) {
    SCOPED_TRACE(k.name);
    const std::string data = dir_.Sub(absl::StrCat("data-", k.name));
    {
      std::lock_guard<std::mutex> l(mu_);
      acked_.clear();
    }
    ASSERT_TRUE(Start(data)) << ReadAll(log_);
    for (int i = 0; i < (Long() ? 60 : 12); ++i) {
      v1::CompileResponse resp;
      ASSERT_TRUE(Compile(absl::StrCat("flip_", k.name, "_", i), &resp).ok());
      std::lock_guard<std::mutex> l(mu_);
      acked_.push_back({resp.action_key().key(), resp.result()});
    }
    if (k.kill) Kill9(); else Terminate();
    const std::string suffix = k.suffix;
    ASSERT_TRUE(FlipByteIn(data + "/store", [&](const std::string& name) {
      return suffix.empty() ? name.rfind("MANIFEST-", 0) == 0 : EndsWith(name, suffix);
    })) << "no file to damage in " << data << "/store";
    // ttcd starts (quarantining or salvaging), answers health, serves nothing wrong, compiles again.
    ASSERT_TRUE(Start(data)) << ReadAll(log_);
    ++starts;
    int64_t lost = 0, wrong = 0;
    ReadBack(&lost, &wrong);
    EXPECT_EQ(wrong, 0);
    total_lost += lost;
    total_wrong += wrong;
    v1::CompileResponse again;
    EXPECT_TRUE(Compile(absl::StrCat("flip_", k.name, "_0"), &again).ok());
    ExpectAliveAndResponsive("after the damage");
    Terminate();
  }
  Report(absl::StrCat("scenario=flipped_bytes files=sst,wal,manifest starts=", starts,
                      " results_lost_to_damage=", total_lost, " wrong_served=", total_wrong));
}

// A tmpfs of `mib` MiB mounted at `dir` (root only); false when mounting is not allowed here.
bool MountTmpfs(const std::string& dir, int mib) {
  fs::create_directories(dir);
  return ::mount("tmpfs", dir.c_str(), "tmpfs", 0, absl::StrCat("size=", mib, "m").c_str()) == 0;
}

// Writes zeros into `path` until the filesystem is full.
void FillDisk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  std::string block(1 << 16, '\0');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  ::close(fd);
}

TEST_F(Reliability, AFullFilesystemIsAStateNotACrash) {
  const std::string mnt = dir_.Sub("small-fs");
  if (!MountTmpfs(mnt, 256)) GTEST_SKIP() << "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)";
  mounts_.push_back(mnt);
  const std::string data = mnt + "/data";
  // store_reserve 0: nothing refuses early, RocksDB itself hits ENOSPC (the path that aborted).
  ASSERT_TRUE(Start(data, {"--store-reserve", "0", "--cache-size", "0"})) << ReadAll(log_);
  v1::CompileResponse first;
  ASSERT_TRUE(Compile("before_full", &first).ok());
  {
    std::lock_guard<std::mutex> l(mu_);
    acked_.push_back({first.action_key().key(), first.result()});
  }
  FillDisk(mnt + "/filler");
  // Writes until the disk refuses one: RocksDB preallocates its log, so the first writes may
  // still fit; 8 MiB blobs exhaust that within a few calls.
  int refused = 0, other = 0, taken = 0;
  for (int i = 0; i < 48 && refused == 0; ++i) {
    std::string blob(8 << 20, '\0');
    std::snprintf(blob.data(), blob.size(), "blob %d", i);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::WriteBlobResponse resp;
    auto w = cas_->WriteBlob(&ctx, &resp);
    for (size_t off = 0; off < blob.size(); off += 1 << 20) {
      v1::WriteBlobRequest m;
      if (off == 0) *m.mutable_digest() = cache::DigestOf(blob);
      m.set_data(blob.substr(off, 1 << 20));
      if (!w->Write(m)) break;
    }
    w->WritesDone();
    grpc::Status st = w->Finish();
    if (st.ok()) ++taken;
    else if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++refused;
    else ++other;
  }
  EXPECT_GT(refused, 0) << "no write was refused on a full filesystem (taken " << taken << ", other " << other
                        << ")\n" << ReadAll(log_);
  for (int i = 0; i < (Long() ? 50 : 5); ++i) {  // every miss is refused now, by name
    v1::CompileResponse resp;
    grpc::Status st = Compile(absl::StrCat("while_full_", i), &resp);
    if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++refused;
    else ++other;
  }
  EXPECT_EQ(other, 0) << "answers other than RESOURCE_EXHAUSTED on a full filesystem\n" << ReadAll(log_);
  ExpectAliveAndResponsive("with the disk full");
  v1::CompileResponse hit;  // hits go on
  ASSERT_TRUE(Compile("before_full", &hit).ok());
  EXPECT_TRUE(hit.cache_hit());

  // A start on the full disk comes up (read-only) instead of aborting.
  Kill9();
  ASSERT_TRUE(Start(data, {"--store-reserve", "0", "--cache-size", "0"})) << ReadAll(log_);
  v1::CompileResponse hit2;
  ASSERT_TRUE(Compile("before_full", &hit2).ok());
  EXPECT_TRUE(hit2.cache_hit());

  // Space returns: writes are taken again without a restart.
  fs::remove(mnt + "/filler");
  bool writable = false;
  for (int i = 0; i < 100 && !writable; ++i) {
    v1::CompileResponse resp;
    writable = Compile(absl::StrCat("after_full_", i), &resp).ok();
    if (!writable) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(writable) << "ttcd did not take writes again after space returned\n" << ReadAll(log_);
  int64_t lost = 0, wrong = 0;
  ReadBack(&lost, &wrong);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(wrong, 0);
  ExpectAliveAndResponsive("after space returned");
  Report(absl::StrCat("scenario=full_disk fs=tmpfs_256MiB writes_taken_while_full=", taken, " refused_while_full=", refused,
                      " other_answers=", other,
                      " restart_on_full_disk=up recovered_without_restart=", writable ? "yes" : "no",
                      " wrong_served=", wrong, " health_max_ms=", probe_.max_ms()));
}

// Peak resident memory of process `pid` in MiB (VmHWM), or -1.
int64_t PeakRssMib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  }
  return -1;
}

TEST_F(Reliability, AmplifyingRequestsAreRefusedBeforeTheyCostMemory) {
  const std::string data = dir_.Sub("data");
  ASSERT_TRUE(Start(data)) << ReadAll(log_);
  const int rounds = Long() ? 8 : 2;
  std::atomic<int> invalid{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      auto compiler = v1::Compiler::NewStub(remote::Connect(address_));
      for (int r = 0; r < rounds; ++r) {
        v1::CompileRequest call;
        *call.mutable_request() = LoadExample("kernel_1d");
        if (c % 2 == 0) {
          call.mutable_request()->mutable_func()->set_name(std::string(15 << 20, 'n'));  // 15 MiB name
        } else {
          for (int b = 0; b < 100'000; ++b) {
            v1::Buffer* buf = call.mutable_request()->mutable_func()->add_body()->mutable_alloc()->mutable_buffer();
            buf->set_name(absl::StrCat("B", b));
          }
        }
        v1::CompileResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
        grpc::Status st = compiler->Compile(&ctx, call, &resp);
        if (st.error_code() == grpc::StatusCode::INVALID_ARGUMENT) ++invalid;
        else ++other;
      }
    });
  }
  for (auto& t : clients) t.join();
  const int64_t peak_mib = PeakRssMib(daemon_->pid());
  EXPECT_EQ(invalid, 4 * rounds);
  EXPECT_EQ(other, 0);
  ExpectAliveAndResponsive("after the amplifying requests");
  // Nothing was stored for them.
  fs::path store = data + "/store";
  uintmax_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(store)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  EXPECT_LT(bytes, uintmax_t{8} << 20) << "the refused requests left data in the store";
  Report(absl::StrCat("scenario=amplification requests=", 4 * rounds, " (15 MiB names, 100,000 buffers)",
                      " invalid_argument=", invalid.load(), " store_bytes=", bytes, " ttcd_peak_rss_mib=", peak_mib,
                      " health_max_ms=", probe_.max_ms()));
}

}  // namespace
}  // namespace ttc::testing
