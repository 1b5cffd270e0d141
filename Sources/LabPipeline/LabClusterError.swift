import Foundation

/// `--node` given for a lab that runs on one host.
public enum LabClusterError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The lab has no cluster phases.
  case notForLab(lab: String)
  /// The lab has no phases for an existing cluster (`--kubeconfig`).
  case existingClusterNotForLab(lab: String)

  public var description: String {
    switch self {
    case .notForLab(let lab):
      return "lab \(lab) runs on one host: --node (a cluster's agents) is for hami-isolation-realgpu; "
        + "drop --node, or run each host as a fleet (--host repeated)"
    case .existingClusterNotForLab(let lab):
      return "lab \(lab) does not run on an existing cluster: --kubeconfig is for hami-isolation-realgpu; "
        + "give --host instead"
    }
  }

  public var errorDescription: String? { description }
}

extension LabClusterError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.usage }
}
