import Foundation
import LabPipeline

/// Why an existing cluster (`--kubeconfig`) is refused.
public enum ExistingClusterError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// No HAMi scheduler or device plugin in the cluster.
  case hamiAbsent(found: String)
  /// Another NVIDIA device plugin hands out the GPUs HAMi must own.
  case competingDevicePlugin(daemonSet: String)
  /// No node carries HAMi's registration.
  case noRegisteredGPUNode(nodes: [String])
  /// labrun's namespace exists and is not this run's.
  case namespaceTaken(namespace: String, owner: String)

  public var description: String {
    switch self {
    case .hamiAbsent(let found):
      return
        "HAMi is not installed in this cluster (\(found)); labrun provisions nothing on an existing cluster: "
        + "install HAMi's chart (https://project-hami.io/docs/installation/online-installation), or let labrun "
        + "provision a host with --host"
    case .competingDevicePlugin(let set):
      return
        "an NVIDIA device plugin other than HAMi's runs in this cluster (\(set)): it hands out the same GPUs, "
        + "so HAMi's limits would not be what is measured; disable it (the GPU Operator's "
        + "devicePlugin.enabled=false) and run the same command again"
    case .noRegisteredGPUNode(let nodes):
      return "no node carries HAMi's hami.io/node-nvidia-register annotation (nodes: "
        + "\(nodes.isEmpty ? "none" : nodes.joined(separator: ", "))); label the GPU nodes as HAMi's chart "
        + "expects (gpu=on) and wait for its device plugin to register them"
    case .namespaceTaken(let namespace, let owner):
      return
        "namespace \(namespace) already exists and is not this run's (\(owner)); finish the run that made it "
        + "(labrun down --run ID) or remove it yourself (kubectl delete namespace \(namespace))"
    }
  }

  public var errorDescription: String? { description }
}

extension ExistingClusterError: ExitCodeProviding {
  /// A step's refusal, as preflight's: the step failed (1), the run resumes from it.
  public var exitCode: Int32 { LabrunExitCode.stepFailed }
}
