import Foundation

/// The server's view of its cluster: its own node and the agents that joined it.
extension SimState {
  /// The server's own node, as the API lists it.
  var ownNode: SimClusterNode {
    SimClusterNode(
      name: nodeName, address: address, profile: profile, directory: "", k3sVersion: k3sVersion ?? "",
      defaultRuntime: defaultRuntime, labels: nodeLabels, annotations: nodeAnnotations,
      roles: "control-plane,master")
  }

  /// Every node the server's API lists: its own first, then the agents in join order.
  var clusterNodes: [SimClusterNode] { [ownNode] + agents }

  /// The node called `name`, or nil.
  func node(named name: String) -> SimClusterNode? { clusterNodes.first { $0.name == name } }

  /// Changes the labels and annotations of node `name`; false when there is no such node.
  mutating func updateNode(named name: String, _ body: (inout SimClusterNode) -> Void) -> Bool {
    if name == nodeName {
      var node = ownNode
      body(&node)
      nodeLabels = node.labels
      nodeAnnotations = node.annotations
      return true
    }
    guard let index = agents.firstIndex(where: { $0.name == name }) else { return false }
    body(&agents[index])
    return true
  }

  /// Whether HAMi's device plugin registered `node`'s GPUs: HAMi deployed, the node labelled
  /// `gpu=on` and a card to register.
  func isRegistered(_ node: SimClusterNode) -> Bool {
    hamiDeployed && node.labels["gpu"] == "on" && node.profile.hasGPU
  }

  /// HAMi's device plugin runs on every agent labelled `gpu=on` and annotates it, as on the
  /// server's own node (``noteRegistration()``).
  mutating func noteAgentRegistrations() {
    for index in agents.indices
    where isRegistered(agents[index]) && agents[index].annotations["hami.io/node-nvidia-register"] == nil {
      agents[index].annotations["hami.io/node-nvidia-register"] =
        Self.registrationAnnotation(for: agents[index].profile)
      agents[index].annotations["hami.io/node-handshake-nvidia"] =
        "Reported 2026-06-23 10:23:02.118274 +0000 UTC"
      change("HAMi device plugin registered node \(agents[index].name)")
    }
  }

  /// What k3s's uninstall scripts (server and agent alike) take away: the service and every
  /// file under /etc/rancher and /var/lib/rancher.
  mutating func removeK3s() {
    k3sVersion = nil
    k3sExec = nil
    k3sActive = false
    serverURL = nil
    journal = []
    for file in files.keys where file.hasPrefix("/etc/rancher/") || file.hasPrefix("/var/lib/rancher/") {
      files[file] = nil
    }
  }

  /// The node a pod runs on (the server's own when the pod names none).
  func node(of pod: Pod) -> SimClusterNode { pod.node.flatMap { node(named: $0) } ?? ownNode }

  /// A token in k3s's secure format: `K10` + the SHA-256 of the cluster CA (64 hex digits) +
  /// `::server:` + a random password (32 hex digits), as `/var/lib/rancher/k3s/server/node-token`
  /// holds it.
  static func mintToken() -> String {
    func hex(_ count: Int) -> String {
      var generator = SystemRandomNumberGenerator()
      return (0..<count).map { _ in String(UInt8.random(in: 0...15, using: &generator), radix: 16) }.joined()
    }
    return "K10" + hex(64) + "::server:" + hex(32)
  }
}
