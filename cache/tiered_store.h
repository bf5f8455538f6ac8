// The local store with a shared remote tier behind it (ttcd's `remote_storage`): several ttcd
// replicas, each with its own RocksDB store, share what any of them compiled, built or
// validated through one Redis (or Redis Cluster), the way ccache and sccache share a cache.
//
// Reads fall through local -> Redis. A blob read from Redis is verified against its digest
// before it is used, then copied into the local store; an action result read from Redis is used
// only when its stored action key matches and every blob it names verifies (each copied
// locally), and then it is copied too. Anything that fails verification is counted
// (remote_corrupt), deleted from Redis so the next write replaces it, and read as a miss.
// Writes go to the local store first (their status is the local one) and are then queued for
// Redis: a writer thread sends them in order (blobs before the result that names them), and a
// full queue (`write_queue_bytes`) drops the newest writes, counted. A slow or dead Redis
// therefore never delays a write, and delays a local miss by at most the client's timeout
// (then the node is in its backoff and misses do not wait at all).
//
// Key layout (docs/cache_format.md "Remote tier"): `ttc:1:cas:<sha256 hex>/<size>` holds a
// blob's bytes; `ttc:1:ac:<action key>` a serialized ttc.v1.ActionResult with action_key set.
// The `1` is the layout version: another layout uses another prefix, so two ttc versions never
// misread each other's values.
// Thread-safety: every method may be called concurrently from any thread.
#ifndef TTC_CACHE_TIERED_STORE_H_
#define TTC_CACHE_TIERED_STORE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "cache/artifact_store.h"
#include "cache/redis_client.h"

namespace ttc::cache {

// The layout version prefix of every key the remote tier writes.
inline constexpr char kRemoteKeyPrefix[] = "ttc:1:";

class TieredStore : public ArtifactStore {
 public:
  struct RemoteStats {
    int64_t hits = 0;            // blobs and action results served from Redis (and copied locally)
    int64_t misses = 0;          // lookups Redis did not have either
    int64_t corrupt = 0;         // values from Redis that failed verification (deleted, not served)
    int64_t writes = 0;          // values written to Redis
    int64_t dropped_writes = 0;  // writes dropped: queue full or Redis failed
    int64_t queued_bytes = 0;    // bytes waiting in the write queue now
    RedisClient::Stats client;   // errors, reconnects, connected, last error
  };

  // `local` must outlive the store. `write_queue_bytes`: the most bytes of pending writes.
  TieredStore(ArtifactStore* local, std::unique_ptr<RedisClient> remote, int64_t write_queue_bytes);
  // Stops the writer; writes still queued are dropped (they are in the local store).
  ~TieredStore() override;

  absl::Status PutBlob(const v1::Digest& digest, std::string_view data) override;
  std::vector<absl::Status> PutBlobs(const std::vector<std::pair<v1::Digest, std::string_view>>& blobs) override;
  absl::StatusOr<std::string> GetBlob(const v1::Digest& digest) override;
  // Locally missing digests are looked up in Redis (verified and copied when found).
  std::vector<v1::Digest> FindMissing(const std::vector<v1::Digest>& digests) override;
  absl::Status PutActionResult(std::string_view key, const v1::ActionResult& result) override;
  absl::StatusOr<v1::ActionResult> GetActionResult(std::string_view key) override;
  absl::Status PutActionResultWithBlobs(std::string_view key, const v1::ActionResult& result,
                                        const std::map<std::string, std::string>& files) override;
  // The local store's count.
  int64_t corruptions() const override { return local_->corruptions(); }

  RemoteStats remote_stats() const;
  // Waits until every queued write has been sent (or dropped); false after `timeout`.
  bool Flush(std::chrono::milliseconds timeout);

  static std::string BlobKey(const v1::Digest& digest);
  static std::string ActionKey(std::string_view key);

 private:
  struct Write {
    std::string key;
    std::optional<std::string> value;  // nullopt: DEL
  };
  // The blob from Redis, verified and copied locally; NOT_FOUND when absent or corrupt.
  absl::StatusOr<std::string> RemoteBlob(const v1::Digest& digest);
  void Enqueue(std::string key, std::optional<std::string> value);
  void QueueBlob(const v1::Digest& digest, std::string_view data);
  void QueueResult(std::string_view key, const v1::ActionResult& result);
  void WriterLoop();

  ArtifactStore* const local_;
  const std::unique_ptr<RedisClient> remote_;
  const int64_t write_queue_bytes_;
  std::atomic<int64_t> hits_{0}, misses_{0}, corrupt_{0}, writes_{0}, dropped_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;        // the writer waits for work, Flush for an empty queue
  std::deque<Write> queue_ ABSL_GUARDED_BY(mu_);
  int64_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;  // the writer holds a write it took from the queue
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace ttc::cache

#endif  // TTC_CACHE_TIERED_STORE_H_
