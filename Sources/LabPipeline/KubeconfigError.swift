import Foundation

/// Why `--kubeconfig FILE [--context NAME]` names no cluster labrun can use.
public enum KubeconfigError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// No file at the path.
  case missing(path: String)
  /// The file could not be read or is not a kubeconfig.
  case unreadable(path: String, reason: String)
  /// No `--context` and no `current-context` in the file.
  case noContext(path: String, known: [String])
  /// `--context` names no context of the file.
  case unknownContext(String, path: String, known: [String])
  /// The context's cluster has no `server`.
  case noServer(context: String, cluster: String, path: String)
  /// The cluster's API did not answer (`kubectl version`).
  case unreachable(context: String, detail: String)
  /// No kubectl on this machine's PATH.
  case kubectlMissing
  /// The run was started on another target than the one given now (another cluster, or a
  /// host where the run was on a cluster, or the reverse).
  case otherCluster(run: String, recorded: String, given: String)

  public var description: String {
    switch self {
    case .missing(let path):
      return "--kubeconfig \(path): no such file; give the kubeconfig of the cluster (e.g. ~/.kube/config, "
        + "or the file your provider gave you)"
    case .unreadable(let path, let reason):
      return "--kubeconfig \(path) cannot be read as a kubeconfig: \(reason); give the file kubectl uses "
        + "(`kubectl --kubeconfig FILE config view` shows it)"
    case .noContext(let path, let known):
      return "--kubeconfig \(path) has no current-context; name one with --context (\(Self.list(known)))"
    case .unknownContext(let name, let path, let known):
      return "--context \(name): no such context in \(path); its contexts are \(Self.list(known)) "
        + "(`kubectl --kubeconfig \(path) config get-contexts`)"
    case .noServer(let context, let cluster, let path):
      return "context \(context) of \(path) names cluster \(cluster), which has no server; fix the kubeconfig"
    case .unreachable(let context, let detail):
      return
        "the cluster of context \(context) does not answer: \(detail); check that its API server is up and "
        + "reachable from this machine (`kubectl --context \(context) version`), then run the same command again"
    case .otherCluster(let run, let recorded, let given):
      return
        "run \(run) is on another cluster (\(recorded)) than the one given now (\(given)); leave --kubeconfig "
        + "and --host out to continue it where it started, or start a run there (labrun up --kubeconfig FILE)"
    case .kubectlMissing:
      return
        "kubectl is not installed on this machine; an existing cluster is driven through kubectl: install it "
        + "(https://kubernetes.io/docs/tasks/tools/) and run the same command again"
    }
  }

  private static func list(_ names: [String]) -> String {
    names.isEmpty ? "none" : names.joined(separator: ", ")
  }

  public var errorDescription: String? { description }
}

extension KubeconfigError: ExitCodeProviding {
  /// A cluster that does not answer is a target that failed (3); the rest is input to fix (2).
  public var exitCode: Int32 {
    if case .unreachable = self { return LabrunExitCode.targetFailed }
    return LabrunExitCode.labInvalid
  }
}
