import Foundation
import LabPipeline

/// kubectl's global flags and what a pre-built cluster (`--kubeconfig`) adds: namespaces as
/// objects, the kubeconfig read as kubectl reads it, HAMi's workloads as the chart names them.
extension SimTool {
  /// kubectl's `--kubeconfig`, `--context` and `--namespace` (both `--flag value` and
  /// `--flag=value`), taken out of `args`.
  struct KubectlGlobals {
    var kubeconfig: String?
    var context: String?
    var namespace: String?
  }

  func takeGlobals(_ args: inout [String]) -> KubectlGlobals {
    var globals = KubectlGlobals()
    var rest: [String] = []
    var index = 0
    while index < args.count {
      let argument = args[index]
      let names: [(String, WritableKeyPath<KubectlGlobals, String?>)] = [
        ("--kubeconfig", \.kubeconfig), ("--context", \.context), ("--namespace", \.namespace),
      ]
      if let (name, path) = names.first(where: { argument == $0.0 || argument.hasPrefix($0.0 + "=") }) {
        if argument == name {
          globals[keyPath: path] = index + 1 < args.count ? args[index + 1] : ""
          index += 2
        } else {
          globals[keyPath: path] = String(argument.dropFirst(name.count + 1))
          index += 1
        }
        continue
      }
      rest.append(argument)
      index += 1
    }
    args = rest
    return globals
  }

  /// kubectl's refusal of a kubeconfig it cannot use, in its words; nil when the file and context
  /// are fine.
  func refusal(kubeconfig path: String, context: String?) -> SimToolResult? {
    guard FileManager.default.fileExists(atPath: path) else {
      return .fail("error: stat \(path): no such file or directory\n")
    }
    guard let config = try? Kubeconfig.load(path: path) else {
      return .fail(
        "error: error loading config file \"\(path)\": couldn't get version/kind; json parse error\n")
    }
    guard let name = context ?? config.currentContext else {
      return .fail(
        "The connection to the server localhost:8080 was refused - did you specify the right host or port?\n")
    }
    guard config.contexts.contains(where: { $0.name == name }) else {
      return .fail("Error in configuration: context was not found for specified context: \(name)\n")
    }
    return nil
  }

  /// `kubectl get namespace[s] [NAME] [-o jsonpath=…] [--ignore-not-found]`.
  func getNamespaces(name: String?, jsonpath: String?, args: [String], state: SimState) -> SimToolResult {
    let all = state.namespaces ?? [SimState.Namespace(name: "default", labels: [:], annotations: [:])]
    let listed = all.filter { name == nil || $0.name == name }
    if let name, listed.isEmpty {
      if args.contains("--ignore-not-found") { return .ok() }
      return .fail("Error from server (NotFound): namespaces \"\(name)\" not found\n")
    }
    if let jsonpath, jsonpath.contains("annotations"), let namespace = listed.first {
      let key =
        jsonpath.components(separatedBy: "annotations.").last?.replacingOccurrences(of: "\\.", with: ".")
        .trimmingCharacters(in: CharacterSet(charactersIn: "}")) ?? ""
      return .ok(namespace.annotations[key] ?? "")
    }
    if args.contains("name") { return .ok(listed.map { "namespace/\($0.name)\n" }.joined()) }
    return .ok(
      "NAME          STATUS   AGE\n" + listed.map { "\(padRight($0.name, 13)) Active   41d\n" }.joined())
  }

  /// `kubectl apply -f -` of a Namespace: its name, labels and annotations.
  func applyNamespace(_ lines: [String], name: String) throws -> SimToolResult {
    var labels: [String: String] = [:]
    var annotations: [String: String] = [:]
    var section: String?
    for line in lines {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed == "labels:" || trimmed == "annotations:" {
        section = trimmed
        continue
      }
      guard line.hasPrefix("    "), let section else {
        if !line.hasPrefix("    ") { section = nil }
        continue
      }
      let parts = trimmed.split(separator: ":", maxSplits: 1).map {
        $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
      }
      guard parts.count == 2 else { continue }
      if section == "labels:" { labels[parts[0]] = parts[1] } else { annotations[parts[0]] = parts[1] }
    }
    return try store.update { state in
      var namespaces = state.namespaces ?? []
      if namespaces.contains(where: { $0.name == name }) { return .ok("namespace/\(name) unchanged\n") }
      labels["kubernetes.io/metadata.name"] = name
      namespaces.append(SimState.Namespace(name: name, labels: labels, annotations: annotations))
      state.namespaces = namespaces
      state.change("create namespace \(name)")
      return .ok("namespace/\(name) created\n")
    }
  }

  /// `kubectl delete namespace NAME`: the namespace and everything in it.
  func deleteNamespace(_ name: String, args: [String]) throws -> SimToolResult {
    try store.update { state in
      guard state.namespaces?.contains(where: { $0.name == name }) == true else {
        if args.contains("--ignore-not-found") { return .ok() }
        return .fail("Error from server (NotFound): namespaces \"\(name)\" not found\n")
      }
      state.namespaces?.removeAll { $0.name == name }
      state.pods.removeAll { $0.namespace == name }
      state.namespacedConfigMaps?.removeAll { $0.hasPrefix(name + "/") }
      state.change("delete namespace \(name)")
      return .ok("namespace \"\(name)\" deleted\n")
    }
  }

  /// `kubectl get deployments,daemonsets -A -l app.kubernetes.io/name=hami -o jsonpath=…`: kind,
  /// namespace, name, the chart label and the images, one workload a line, as HAMi's chart
  /// names them.
  func hamiWorkloads(state: SimState) -> SimToolResult {
    guard state.hamiDeployed, let chart = state.hamiChartVersion else { return .ok() }
    let image = "docker.io/projecthami/hami:v\(chart)"
    return .ok(
      "Deployment kube-system hami-scheduler hami-\(chart) \(state.hamiSchedulerImage ?? "") \(image)\n"
        + "DaemonSet kube-system hami-device-plugin hami-\(chart) \(image) \(image)\n")
  }
}
