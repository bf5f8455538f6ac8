// What a client is shown of the fleet and of the validation jobs, shared by the gRPC service
// (Compiler.ListDevices, ListJobs) and the web view (daemon/web_view.h), so both apply the
// same privacy rule: a job is shown only to whom MaySeeJob allows (daemon/auth.h), and a
// device's current job id is withheld from the others (the device still shows as busy).
// Thread-safety: as JobScheduler's (all calls take its lock).
#ifndef TTC_DAEMON_FLEET_VIEWS_H_
#define TTC_DAEMON_FLEET_VIEWS_H_

#include "daemon/auth.h"
#include "daemon/job_scheduler.h"
#include "ttc/v1/service.pb.h"

namespace ttc::daemon {

// Every device of every registered host, in host then device order, with health, online
// state, arch, backend, labels and its last health check.
v1::ListDevicesResponse DevicesShownTo(JobScheduler& scheduler, const Principal& who);

// The jobs `who` may see, in `stage` (JOB_STAGE_UNSPECIFIED = all), in job id order, each as
// ShownToClients returns it.
v1::ListJobsResponse JobsShownTo(JobScheduler& scheduler, const Principal& who, v1::JobStage stage);

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_FLEET_VIEWS_H_
