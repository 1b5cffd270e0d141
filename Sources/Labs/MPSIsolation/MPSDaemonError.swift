import Foundation
import LabPipeline

/// Why the run's private MPS control daemon could not be used or stopped.
enum MPSDaemonError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `nvidia-cuda-mps-control -d` did not leave a daemon that answers on the run's pipe.
  case notStarted(status: Int32, log: String, pipe: String)
  /// After `quit`, processes of the run's daemon are still running.
  case left(processes: [String])

  var description: String {
    switch self {
    case .notStarted(let status, let log, let pipe):
      return
        "the MPS control daemon did not start on \(pipe) (nvidia-cuda-mps-control -d exited \(status)); its log says: "
        + (log.isEmpty ? "nothing (no control.log)" : log)
        + "; fix what it names (run as root or the GPU's owner, a working driver) and run again"
    case .left(let processes):
      return
        "after quit, the run's MPS processes are still running: \(processes.joined(separator: ", ")); stop them "
        + "(kill PID) and run `labrun down` again"
    }
  }

  var errorDescription: String? { description }
}

extension MPSDaemonError: ExitCodeProviding {
  var exitCode: Int32 { LabrunExitCode.stepFailed }
}
