import Foundation

/// kubectl's nodes in the simulated cluster: the server's own node and every agent that
/// joined it, each with its labels, annotations and HAMi registration.
extension SimTool {
  /// `kubectl get nodes [NAME] [-o wide|name|jsonpath=…]`.
  func nodes(name: String?, jsonpath: String?, noHeaders: Bool, state: SimState) -> SimToolResult {
    var listed = state.clusterNodes
    if let name {
      guard let node = state.node(named: name) else {
        return .fail("Error from server (NotFound): nodes \"\(name)\" not found\n")
      }
      listed = [node]
    }
    if let jsonpath {
      switch jsonpath {
      case "{.items[0].metadata.name}": return .ok(listed[0].name)
      case "{.items[*].metadata.name}": return .ok(listed.map(\.name).joined(separator: " "))
      case let path where path.hasPrefix("{range .items[*]}") && path.contains("node-nvidia-register"):
        return .ok(
          listed.map { "\($0.name)\t\($0.annotations["hami.io/node-nvidia-register"] ?? "")\n" }.joined())
      default: return .ok(nodeField(jsonpath, node: listed[0], state: state))
      }
    }
    let header =
      "NAME               STATUS   ROLES                  AGE     VERSION        INTERNAL-IP   EXTERNAL-IP   OS-IMAGE             KERNEL-VERSION       CONTAINER-RUNTIME\n"
    let rows = listed.map { node in
      "\(padRight(node.name, 18)) \(padRight(isReady(node, state: state) ? "Ready" : "NotReady", 8)) "
        + "\(padRight(node.roles ?? "<none>", 22)) 6m12s   \(padRight(node.k3sVersion, 14)) "
        + "\(padRight(node.address, 13)) <none>        Ubuntu 22.04.4 LTS   5.15.0-113-generic   containerd://2.0.5-k3s1\n"
    }
    return .ok((noHeaders ? "" : header) + rows.joined())
  }

  /// A node is Ready while its k3s runs: the server's own always (the API answers), an agent
  /// while its host's k3s agent does.
  func isReady(_ node: SimClusterNode, state: SimState) -> Bool {
    guard !node.directory.isEmpty else { return true }
    let agent = SimStore(directory: node.directory).load()
    return agent.k3sActive && agent.isAgent
  }

  func nodeField(_ jsonpath: String, node: SimClusterNode, state: SimState) -> String {
    switch jsonpath {
    case "{.metadata.labels.gpu}": return node.labels["gpu"] ?? ""
    case "{.metadata.name}": return node.name
    case "{.status.allocatable.nvidia\\.com/gpu}":
      return state.isRegistered(node) ? String(SimState.deviceSplitCount * node.profile.gpuCount) : ""
    case "{.metadata.annotations.hami\\.io/node-nvidia-register}":
      return node.annotations["hami.io/node-nvidia-register"] ?? ""
    case "{.metadata.annotations}":
      var all = [
        "flannel.alpha.coreos.com/backend-type": "vxlan", "k3s.io/hostname": node.name,
        "node.alpha.kubernetes.io/ttl": "0",
      ]
      all.merge(node.annotations) { $1 }
      let data =
        (try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys, .withoutEscapingSlashes]))
        ?? Data("{}".utf8)
      return String(decoding: data, as: UTF8.self)
    default: return ""
    }
  }

  /// `kubectl wait --for=condition=Ready node/NAME` (or `nodes --all`): met for Ready nodes,
  /// timed out for a node that is NotReady.
  func waitForNodes(_ args: [String], state: SimState) -> SimToolResult {
    let named = args.filter { $0.hasPrefix("node/") }.map { String($0.dropFirst(5)) }
    let nodes = named.isEmpty ? state.clusterNodes : named.compactMap { state.node(named: $0) }
    if let missing = named.first(where: { state.node(named: $0) == nil }) {
      return .fail("Error from server (NotFound): nodes \"\(missing)\" not found\n")
    }
    var out = ""
    for node in nodes {
      guard isReady(node, state: state) else {
        return .fail("error: timed out waiting for the condition on nodes/\(node.name)\n", stdout: out)
      }
      out += "node/\(node.name) condition met\n"
    }
    return .ok(out)
  }

  func label(_ words: [String], state: SimState) throws -> SimToolResult {
    guard words.count >= 4, state.node(named: words[2]) != nil else {
      if words.count >= 3 { return .fail("Error from server (NotFound): nodes \"\(words[2])\" not found\n") }
      return .fail("error: resource(s) were provided, but no name was specified\n")
    }
    let change = words[3]
    try store.update { state in
      let sticks = state.scenario == .labelSticks
      _ = state.updateNode(named: words[2]) { node in
        if change.hasSuffix("-") {
          // A label that comes back (e.g. a node-labelling controller): down must notice.
          guard !sticks else { return }
          node.labels[String(change.dropLast())] = nil
        } else {
          let parts = change.split(separator: "=").map(String.init)
          if parts.count == 2 { node.labels[parts[0]] = parts[1] }
        }
      }
      state.change("label node \(words[2]) \(change)")
    }
    return .ok("node/\(words[2]) labeled\n")
  }

  func annotate(_ words: [String], state: SimState) throws -> SimToolResult {
    guard words.count >= 4, state.node(named: words[2]) != nil else {
      if words.count >= 3 { return .fail("Error from server (NotFound): nodes \"\(words[2])\" not found\n") }
      return .fail("error: resource(s) were provided, but no name was specified\n")
    }
    try store.update { state in
      _ = state.updateNode(named: words[2]) { node in
        for change in words.dropFirst(3) {
          if change.hasSuffix("-") {
            node.annotations[String(change.dropLast())] = nil
          } else {
            let parts = change.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { node.annotations[parts[0]] = parts[1] }
          }
        }
      }
      for change in words.dropFirst(3) { state.change("annotate node \(words[2]) \(change)") }
    }
    return .ok("node/\(words[2]) annotated\n")
  }

  /// HAMi's pods in kube-system: a device plugin on every node labelled `gpu=on`, the scheduler
  /// on the server.
  func hamiPods(_ state: SimState) -> String {
    var out =
      "NAME                              READY   STATUS    RESTARTS   AGE    IP          NODE               NOMINATED NODE   READINESS GATES\n"
    let suffixes = ["wtchf", "k8x2q", "p4m7d", "r9t3v", "z6c1b"]
    // On one node the plugin is listed as it always was; in a cluster, where its DaemonSet's
    // nodeSelector (`gpu=on`) puts it.
    let plugged =
      state.agents.isEmpty ? [state.ownNode] : state.clusterNodes.filter { $0.labels["gpu"] == "on" }
    for (index, node) in plugged.enumerated() {
      let suffix = index < suffixes.count ? suffixes[index] : "n\(index)x0a"
      out +=
        "hami-device-plugin-\(suffix)          2/2     Running   0          3m2s   \(padRight(node.address, 11)) \(padRight(node.name, 18)) <none>           <none>\n"
    }
    out +=
      "hami-scheduler-78db5bffbc-hf2jf   2/2     Running   0          3m2s   10.42.0.9   \(padRight(state.nodeName, 18)) <none>           <none>\n"
    return out
  }
}
