#include "daemon/fleet_views.h"

#include <utility>

namespace ttc::daemon {

v1::ListDevicesResponse DevicesShownTo(JobScheduler& scheduler, const Principal& who) {
  v1::ListDevicesResponse resp;
  for (const DeviceStatus& d : scheduler.ListDevices()) {
    v1::DeviceState* s = resp.add_devices();
    s->set_host_id(d.host_id);
    s->set_device_id(d.device.device_id);
    s->set_arch(d.device.arch);
    s->mutable_labels()->insert(d.device.labels.begin(), d.device.labels.end());
    s->set_health(d.device.health);
    s->set_host_online(d.host_online);
    s->set_busy(!d.job_id.empty());
    if (!d.job_id.empty()) {
      // The id of another client's job is withheld: it would tell that the job exists.
      auto job = scheduler.GetJob(d.job_id);
      if (job.ok() && MaySeeJob(who, job->spec().owner(), job->spec().owner_group())) s->set_job_id(d.job_id);
    }
    if (auto b = d.device.labels.find("backend"); b != d.device.labels.end()) s->set_backend(b->second);
    s->set_last_health_check_ms(d.device.last_health_check_ms);
    s->set_last_health_check_passed(d.device.last_health_check_passed);
    s->set_last_health_check_detail(d.device.last_health_check_detail);
  }
  return resp;
}

v1::ListJobsResponse JobsShownTo(JobScheduler& scheduler, const Principal& who, v1::JobStage stage) {
  v1::ListJobsResponse resp;
  for (v1::Job& j : scheduler.ListJobs(stage)) {
    if (MaySeeJob(who, j.spec().owner(), j.spec().owner_group())) *resp.add_jobs() = ShownToClients(std::move(j));
  }
  return resp;
}

}  // namespace ttc::daemon
