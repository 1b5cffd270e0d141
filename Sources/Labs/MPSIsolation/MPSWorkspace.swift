import Foundation
import LabPipeline

/// Paths inside the lab's private directory on the host — the MPS pipe and log directories
/// included — and the environments of the daemon and its clients.
struct MPSWorkspace: ProbeWorkspace {
  /// The directory `mktemp -d` made.
  var directory: String

  /// `CUDA_MPS_PIPE_DIRECTORY`: the daemon's control socket; never the system's /tmp/nvidia-mps.
  var pipeDirectory: String { directory + "/pipe" }
  /// `CUDA_MPS_LOG_DIRECTORY`: control.log and server.log.
  var logDirectory: String { directory + "/log" }
  var controlLog: String { logDirectory + "/control.log" }
  var serverLog: String { logDirectory + "/server.log" }

  /// The assignments that point a process at the run's own daemon.
  var daemonAssignments: [String] {
    ["CUDA_MPS_PIPE_DIRECTORY=" + pipeDirectory, "CUDA_MPS_LOG_DIRECTORY=" + logDirectory]
  }

  /// `env …` for the control program (start, quit, queries).
  var controlEnvironment: String { "env " + daemonAssignments.map(ShellQuote.quote).joined(separator: " ") }

  /// `env …` of a client: the run's daemon, the client's pinned memory limit on device 0 and,
  /// when given, its active thread percentage.
  func environment(_ tenant: CardTenant, threads: Int? = nil) -> String {
    var assignments = daemonAssignments + ["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=\(tenant.sliceMiB)M"]
    if let threads { assignments.append("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=\(threads)") }
    return "env " + assignments.map(ShellQuote.quote).joined(separator: " ")
  }

  /// A client's MPS variables as it sees them (exercise 5).
  func environmentDump(_ tenant: CardTenant) -> String {
    "\(environment(tenant)) sh -c 'env | grep ^CUDA_MPS_ | sort'"
  }

  /// `echo COMMAND | nvidia-cuda-mps-control` on the run's pipe, bounded.
  func control(_ settings: MPSSettings, _ command: String, seconds: Int = 30) -> RemoteCommand {
    RemoteCommand(
      "echo \(command) | "
        + ProbeShell.bounded(
          seconds, "\(controlEnvironment) \(ShellQuote.quote(settings.mpsControl))"),
      timeout: .seconds(seconds + 20))
  }

  /// The host's view of the processes on the GPU, with their names (the MPS server among them).
  static let computeApps = RemoteCommand(
    "nvidia-smi --query-compute-apps=pid,process_name,gpu_uuid,used_memory --format=csv",
    timeout: .seconds(60))
}
