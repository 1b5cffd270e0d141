import Foundation

/// kubectl against the simulated single-node k3s cluster with HAMi.
extension SimTool {
  func kubectl(_ arguments: [String]) throws -> SimToolResult {
    var args = arguments
    let globals = takeGlobals(&args)
    if let path = globals.kubeconfig, let refusal = refusal(kubeconfig: path, context: globals.context) {
      return refusal
    }
    var state = store.load()
    guard state.kubernetesReady else {
      return .fail(
        "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n")
    }
    if state.preBuilt == true {
      state = try store.update { state in
        state.handshake(at: Date())
        return state
      }
    }
    var namespace = globals.namespace ?? "default"
    var allNamespaces = false
    if let index = args.firstIndex(of: "-n"), index + 1 < args.count {
      namespace = args[index + 1]
      args.removeSubrange(index...(index + 1))
    }
    if let index = args.firstIndex(of: "-A") {
      allNamespaces = true
      args.remove(at: index)
    }
    if let dash = args.firstIndex(of: "--"), args.first == "exec" {
      return exec(pod: args[1], command: Array(args[(dash + 1)...]), state: state)
    }
    let jsonpath = args.first { $0.hasPrefix("jsonpath=") }.map { String($0.dropFirst("jsonpath=".count)) }
    let words = positional(args)
    switch words.first {
    case "version":
      return .ok(
        "Client Version: \(state.k3sVersion ?? "")\nKustomize Version: v5.6.0\nServer Version: \(state.k3sVersion ?? "")\n"
      )
    case "wait": return waitFor(args, state: state)
    case "apply": return try apply(readInput(), namespace: namespace)
    case "label": return try label(words, state: state)
    case "annotate": return try annotate(words, state: state)
    case "delete":
      if ["namespace", "namespaces", "ns"].contains(words.dropFirst().first ?? "") {
        return try deleteNamespace(words.dropFirst(2).first ?? "", args: args)
      }
      return try delete(args)
    case "describe":
      guard let pod = state.pods.first(where: { $0.name == words.last }) else {
        return .fail("Error from server (NotFound): pods \"\(words.last ?? "")\" not found\n")
      }
      return .ok(describe(pod, state: state))
    case "get":
      return get(
        Array(words.dropFirst()), namespace: namespace, all: allNamespaces, jsonpath: jsonpath, args: args,
        state: state)
    default:
      return .fail("error: unknown command \"\(words.first ?? "")\" for \"kubectl\"\n")
    }
  }

  private func get(
    _ words: [String], namespace: String, all: Bool, jsonpath: String?, args: [String], state: SimState
  ) -> SimToolResult {
    let kind = words.first ?? ""
    let name = words.dropFirst().first
    let noHeaders = args.contains("--no-headers")
    let selector = args.firstIndex(of: "-l").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    switch kind {
    case "namespace", "namespaces", "ns":
      return getNamespaces(name: name, jsonpath: jsonpath, args: args, state: state)
    case "deployments,daemonsets":
      return hamiWorkloads(state: state)
    case "nodes", "node", "no":
      return nodes(name: name, jsonpath: jsonpath, noHeaders: noHeaders, state: state)
    case "runtimeclass", "runtimeclasses":
      guard state.toolkitInstalled else {
        return .fail("Error from server (NotFound): runtimeclasses.node.k8s.io \"\(name ?? "")\" not found\n")
      }
      return .ok("NAME     HANDLER   AGE\nnvidia   nvidia    6m\n")
    case "daemonsets", "daemonset", "ds":
      var rows: [String] = [
        "kube-system   svclb-traefik-5c8e1f2a   1   1   1   1   1   <none>   6m"
      ]
      if state.scenario == .gpuOperatorPresent {
        rows.append(
          "gpu-operator   nvidia-device-plugin-daemonset   1   1   1   1   1   nvidia.com/gpu.deploy.device-plugin=true   41d"
        )
        rows.append(
          "gpu-operator   gpu-operator-node-feature-discovery-worker   1   1   1   1   1   <none>   41d")
      }
      if state.scenario == .devicePluginPresent {
        rows.append("kube-system   nvidia-device-plugin-daemonset   1   1   1   1   1   <none>   41d")
      }
      if state.hamiDeployed {
        rows.append("kube-system   hami-device-plugin   1   1   1   1   1   gpu=on   3m")
      }
      return .ok(rows.map { $0 + "\n" }.joined())
    case "endpoints", "endpoint", "ep":
      // Kubernetes 1.33 deprecated v1 Endpoints: every read warns.
      let warning = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
      guard state.hamiDeployed else {
        return .fail(warning + "Error from server (NotFound): endpoints \"\(name ?? "")\" not found\n")
      }
      return .exit(
        stdout: jsonpath != nil
          ? "10.42.0.9"
          : "NAME             ENDPOINTS                         AGE\nhami-scheduler   10.42.0.9:443,10.42.0.9:443   3m\n",
        stderr: warning, status: 0)
    case "endpointslices", "endpointslice", "endpointslices.discovery.k8s.io":
      guard state.hamiDeployed, selector == "kubernetes.io/service-name=hami-scheduler" else {
        return .ok(jsonpath != nil ? "" : "No resources found in \(namespace) namespace.\n")
      }
      if let jsonpath {
        return .ok(jsonpath.contains("conditions.ready") ? "10.42.0.9 true\n" : "10.42.0.9")
      }
      return .ok(
        "NAME                   ADDRESSTYPE   PORTS   ENDPOINTS   AGE\nhami-scheduler-7xk2p   IPv4          443     10.42.0.9   3m\n"
      )
    case "secret", "secrets":
      let found = state.secrets.filter { name == nil || $0 == name }
      if found.isEmpty {
        if args.contains("--ignore-not-found") { return .ok() }
        return .fail("Error from server (NotFound): secrets \"\(name ?? "")\" not found\n")
      }
      return .ok(found.map { "secret/\($0)\n" }.joined())
    case "deploy", "deployment":
      guard state.hamiDeployed else {
        return .fail("Error from server (NotFound): deployments.apps \"hami-scheduler\" not found\n")
      }
      return .ok(
        "\(state.hamiSchedulerImage ?? "")\ndocker.io/projecthami/hami:v\(state.hamiChartVersion ?? "")\n")
    case "events", "event", "ev":
      let field = args.firstIndex(of: "--field-selector").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
      let podName = field?.split(separator: "=").last.map(String.init)
      let events = state.pods.filter { $0.name == podName }.flatMap(\.events)
      if jsonpath?.contains(".message") == true {
        return .ok(
          events.map { event in
            let reason = event.split(separator: "|").first.map(String.init) ?? ""
            let display = event.split(separator: "|", maxSplits: 1).last.map(String.init) ?? ""
            let message = display.components(separatedBy: "  ").filter { !$0.isEmpty }.last ?? ""
            return reason + ": " + message.trimmingCharacters(in: .whitespaces) + "\n"
          }.joined())
      }
      return .ok(events.map { ($0.split(separator: "|").first.map(String.init) ?? "") + "\n" }.joined())
    case "pods", "pod", "po", "pods,configmaps":
      if namespace == "kube-system" {
        guard state.hamiDeployed else { return .ok("No resources found in kube-system namespace.\n") }
        return .ok(hamiPods(state))
      }
      var pods = state.pods.filter { all || $0.namespace == namespace }
      if let name { pods = pods.filter { $0.name == name } }
      if let selector {
        let parts = selector.split(separator: "=").map(String.init)
        pods = pods.filter { parts.count == 2 && $0.labels[parts[0]] == parts[1] }
      }
      if let name, pods.isEmpty, !args.contains("--ignore-not-found") {
        return .fail("Error from server (NotFound): pods \"\(name)\" not found\n")
      }
      if args.contains("name") {
        var names = pods.map { "pod/\($0.name)" }
        if kind == "pods,configmaps" {
          names += state.configMaps(in: all ? nil : namespace, selector: selector).map { "configmap/\($0)" }
        }
        return .ok(names.map { $0 + "\n" }.joined())
      }
      if jsonpath == "{.status.phase}", let pod = pods.first { return .ok(pod.phase) }
      if let jsonpath, jsonpath.contains("schedulerName"), let pod = pods.first {
        // A GPU pod goes through HAMi's webhook, which hands it to hami-scheduler.
        let node = pod.phase == "Running" ? state.node(of: pod).name : ""
        return .ok(
          "\(pod.name) \(pod.gpus > 0 ? "hami-scheduler" : "default-scheduler") \(node) \(pod.nodePolicy ?? "")\n"
        )
      }
      if let jsonpath, jsonpath.hasPrefix("{range"), jsonpath.contains("vgpu-devices-allocated") {
        return .ok(
          pods.map { pod in
            guard pod.phase == "Running" else { return " \n" }
            let allocation = pod.gpuUUID.map { "\($0),NVIDIA,\(pod.gpumemMiB),\(pod.gpucores ?? 0):;" } ?? ""
            return "\(state.node(of: pod).name) \(allocation)\n"
          }.joined())
      }
      if let jsonpath, jsonpath.contains("vgpu-devices-allocated"), let pod = pods.first {
        guard pod.phase == "Running", let gpu = pod.gpuUUID else { return .ok() }
        return .ok("\(gpu),NVIDIA,\(pod.gpumemMiB),\(pod.gpucores ?? 0):;")
      }
      if let jsonpath, jsonpath.contains("containerStatuses") {
        let named = words.dropFirst()
        let listed = named.isEmpty ? pods : state.pods.filter { named.contains($0.name) }
        return .ok(
          listed.map { pod in
            let waiting =
              pod.events.last { $0.hasPrefix("Failed|") && $0.contains("Error: ") }
              .map { String($0.split(separator: " ").last ?? "") }
              ?? (pod.phase == "Running" ? "" : "ContainerCreating")
            return "\(pod.name) \(pod.phase) \(pod.phase == "Running" ? "True" : "False") \(waiting)\n"
          }.joined())
      }
      if pods.isEmpty { return .ok("No resources found in \(namespace) namespace.\n") }
      // kubectl widens a column to its longest value.
      let nameWidth = max(20, (pods.map(\.name.count).max() ?? 0) + 1)
      let nodeWidth = max(18, (pods.map { state.node(of: $0).name.count }.max() ?? 0) + 1)
      var out =
        "\(padRight("NAME", nameWidth)) READY   STATUS    RESTARTS   AGE   IP           \(padRight("NODE", nodeWidth)) NOMINATED NODE   READINESS GATES\n"
      for pod in pods {
        let running = pod.phase == "Running"
        out +=
          "\(padRight(pod.name, nameWidth)) \(running ? "1/1" : "0/1")     \(padRight(pod.phase, 9)) 0          41s   \(padRight(pod.ip, 12)) \(padRight(running ? state.node(of: pod).name : "<none>", nodeWidth)) <none>           <none>\n"
      }
      return .ok(out)
    default:
      return .fail("error: the server doesn't have a resource type \"\(kind)\"\n")
    }
  }

  private func waitFor(_ args: [String], state: SimState) -> SimToolResult {
    let targets = args.filter { $0.hasPrefix("pod/") || $0.hasPrefix("node") }
    if args.contains("node") || args.contains("nodes") || args.contains(where: { $0.hasPrefix("node/") }) {
      return waitForNodes(args, state: state)
    }
    var out = ""
    for target in targets {
      let name = String(target.dropFirst("pod/".count))
      guard let pod = state.pods.first(where: { $0.name == name }) else {
        return .fail("Error from server (NotFound): pods \"\(name)\" not found\n", stdout: out)
      }
      guard pod.phase == "Running" else {
        return .fail("error: timed out waiting for the condition on pods/\(name)\n", stdout: out)
      }
      out += "pod/\(name) condition met\n"
    }
    return .ok(out)
  }

  private func delete(_ args: [String]) throws -> SimToolResult {
    let words = positional(args)
    if words.dropFirst().first == "secret" || words.dropFirst().first == "secrets" {
      let name = words.dropFirst(2).first ?? ""
      let deleted = try store.update { state -> Bool in
        guard state.secrets.contains(name) else { return false }
        state.secrets.removeAll { $0 == name }
        state.change("delete secret \(name)")
        return true
      }
      if deleted { return .ok("secret \"\(name)\" deleted\n") }
      if args.contains("--ignore-not-found") { return .ok() }
      return .fail("Error from server (NotFound): secrets \"\(name)\" not found\n")
    }
    let selector = args.firstIndex(of: "-l").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    let parts = selector?.split(separator: "=").map(String.init) ?? []
    let kinds = words.dropFirst().first ?? ""
    // `delete pod A B`: those pods; `delete pods -l …`: the labelled pods; `pods,configmaps`: the
    // lab's ConfigMap too.
    let named = selector == nil ? Set(words.dropFirst(2)) : []
    func doomed(_ pod: SimState.Pod) -> Bool {
      named.contains(pod.name) || (parts.count == 2 && pod.labels[parts[0]] == parts[1])
    }
    let out = try store.update { state -> String in
      var out = ""
      for pod in state.pods where doomed(pod) {
        out += "pod \"\(pod.name)\" deleted\n"
      }
      state.pods.removeAll(where: doomed)
      if kinds.contains("configmap") {
        for map in state.configMaps { out += "configmap \"\(map)\" deleted\n" }
        state.configMaps = []
      }
      if !out.isEmpty { state.change("delete lab objects") }
      return out
    }
    return .ok(out)
  }
}
