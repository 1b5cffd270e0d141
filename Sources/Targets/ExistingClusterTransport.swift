import Foundation
import LabPipeline

/// An existing cluster as a ``Transport``: every command runs on this machine (or in the
/// simulated cluster's closed environment), with every `kubectl` in it given
/// `--kubeconfig FILE --context NAME --namespace labrun`, so a step's `kubectl get pods` is
/// labrun's own namespace of that context and no other. Nothing runs with privilege and
/// nothing runs on a node; the server's URL is taken out of every output before anything
/// records it.
struct ExistingClusterTransport: Transport {
  let inner: any Transport
  let kubeconfig: String
  let context: String
  let server: String
  let info: TargetInfo

  var target: TargetInfo {
    get async { info }
  }

  /// The shell function that pins every kubectl of a script to the cluster and labrun's namespace.
  var kubectlFunction: String {
    "kubectl() { command kubectl --kubeconfig \(ShellQuote.quote(kubeconfig)) --context \(ShellQuote.quote(context))"
      + " --namespace \(ExistingClusterIdentity.namespace) \"$@\"; }"
  }

  func run(_ command: RemoteCommand) async throws -> CommandOutput {
    guard !command.privileged, command.node == nil else {
      throw ExistingClusterTransportError.notOnCluster(command: command.script)
    }
    var output = try await inner.run(
      RemoteCommand(
        kubectlFunction + "\n" + command.script, timeout: command.timeout, stdin: command.stdin))
    output.stdout = scrub(output.stdout)
    output.stderr = scrub(output.stderr)
    return output
  }

  /// `bytes` without the server's URL or its `host:port` (kubectl names them in errors and
  /// `cluster-info`): run.json keeps only the URL's SHA-256.
  func scrub(_ bytes: [UInt8]) -> [UInt8] {
    var text = String(decoding: bytes, as: UTF8.self)
    var needles = [server]
    if let url = URLComponents(string: server), let host = url.host {
      needles.append(url.port.map { "\(host):\($0)" } ?? host)
    }
    var changed = false
    for needle in needles where !needle.isEmpty && text.contains(needle) {
      text = text.replacingOccurrences(of: needle, with: "[server of context \(context)]")
      changed = true
    }
    return changed ? Array(text.utf8) : bytes
  }

  func upload(_ localFile: URL, to remotePath: String) async throws {
    throw ExistingClusterTransportError.notOnCluster(command: "upload \(remotePath)")
  }

  func download(_ remotePath: String, to localFile: URL) async throws {
    throw ExistingClusterTransportError.notOnCluster(command: "download \(remotePath)")
  }

  func close() async { await inner.close() }
}

/// A step asked an existing cluster for something only a machine labrun provisions gives.
enum ExistingClusterTransportError: Error, CustomStringConvertible, LocalizedError {
  /// A privileged command, a command on a node, or a file transfer.
  case notOnCluster(command: String)

  var description: String {
    switch self {
    case .notOnCluster(let command):
      return "an existing cluster (--kubeconfig) is reached only through kubectl: labrun runs nothing with "
        + "privilege, on a node or by file transfer there (\(command)); this step is for a host labrun provisions"
    }
  }

  var errorDescription: String? { description }
}

extension ExistingClusterTransportError: ExitCodeProviding {
  var exitCode: Int32 { LabrunExitCode.stepFailed }
}
