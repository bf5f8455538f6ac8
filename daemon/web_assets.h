// The web view's front-end files, embedded in ttcd at build time (web/CMakeLists.txt runs
// web/embed.cmake over web/src and the npm packages' browser builds; no CDN at run time).
// Thread-safety: immutable data.
#ifndef TTC_DAEMON_WEB_ASSETS_H_
#define TTC_DAEMON_WEB_ASSETS_H_

#include <cstddef>
#include <string>

namespace ttc::daemon {

struct WebAsset {
  const char* path;           // relative to /ui/: "index.html", "vendor/chart.umd.min.js", ...
  const unsigned char* data;  // the file's bytes
  std::size_t size;           // bytes
};

// The asset at `path`, or nullptr.
const WebAsset* FindWebAsset(const std::string& path);

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_WEB_ASSETS_H_
