import Foundation

/// A cluster labrun did not provision (`--kubeconfig`): k3s with the nvidia runtime and HAMi
/// already running, other teams' namespaces, pods and ConfigMaps, and HAMi's device plugin
/// refreshing its handshake annotation on the node as the real one does.
extension SimState {
  /// One namespace of a pre-built cluster.
  public struct Namespace: Sendable, Hashable, Codable {
    public var name: String
    public var labels: [String: String]
    public var annotations: [String: String]
  }

  /// The HAMi chart a pre-built cluster runs (not the lab's `hami_version`: `up` must read it).
  static let preBuiltHAMiVersion = "2.7.1"
  /// The annotation HAMi's device plugin rewrites on every handshake.
  public static let handshakeAnnotation = "hami.io/node-handshake-nvidia"

  /// The cluster as its owners left it before labrun first looks at it; `scenario` shapes it
  /// (`hami-absent`: no HAMi; `gpu-operator-present`, `device-plugin-present`: a competing
  /// device plugin beside HAMi). `hostname` is the first node's (the control plane, with
  /// `profile`'s card); each of `otherNodes` is one more node (``preBuiltNode(_:position:scenario:)``).
  public static func preBuiltCluster(
    profile: SimProfile, scenario: SimScenario, hostname: String, otherNodes: [SimProfile] = []
  ) -> SimState {
    var state = SimState(profile: profile, scenario: scenario)
    state.nodeName = hostname
    state.k3sVersion = "v1.31.4+k3s1"
    state.k3sExec = "server --default-runtime nvidia"
    state.k3sActive = true
    state.toolkitInstalled = true
    state.k3sInstalledAt = Date(timeIntervalSince1970: 1_780_000_000)
    state.nodeLabels = ["gpu": "on", "team": "platform"]
    if scenario != .hamiAbsent {
      state.hamiStatus = "deployed"
      state.hamiChartVersion = preBuiltHAMiVersion
      state.hamiSchedulerImage = "registry.k8s.io/kube-scheduler:v1.31.4"
      state.hamiDeployedAt = Date(timeIntervalSince1970: 1_780_000_600)
      state.secrets = ["hami-scheduler-tls"]
      state.noteRegistration()
    }
    state.agents = otherNodes.enumerated().map {
      preBuiltNode($1, position: $0 + 2, scenario: scenario, k3sVersion: state.k3sVersion ?? "")
    }
    state.namespaces = ["default", "kube-system", "team-a", "ml-serving"].map {
      Namespace(name: $0, labels: ["kubernetes.io/metadata.name": $0], annotations: [:])
    }
    state.pods = [
      Pod(
        name: "notebook-0", namespace: "team-a", gpumemMiB: 0, gpus: 0, gpucores: nil, phase: "Running",
        ip: "10.42.0.31", events: [], labels: ["app": "notebook"]),
      Pod(
        name: "triton-0", namespace: "ml-serving", gpumemMiB: 4000, gpus: 1, gpucores: nil, phase: "Running",
        ip: "10.42.0.32", events: [], labels: ["app": "triton"],
        gpuUUID: scenario == .hamiAbsent ? nil : profile.uuid),
    ]
    state.namespacedConfigMaps = ["team-a/notebook-settings", "ml-serving/triton-config"]
    state.preBuilt = true
    state.changes = []
    return state
  }

  /// Node `position` (from 1) of a pre-built cluster: `gpu-node-N` with its own card (a UUID
  /// of its own), labelled `gpu=on` and registered by HAMi's device plugin, or `cpu-node-N`
  /// for a `cpu-only` profile, neither labelled nor registered. Always Ready (no directory: no
  /// host of its own to stop).
  static func preBuiltNode(_ profile: SimProfile, position: Int, scenario: SimScenario, k3sVersion: String)
    -> SimClusterNode
  {
    var profile = profile
    let name = (profile.hasGPU ? "gpu-node-" : "cpu-node-") + String(position)
    var node = SimClusterNode(
      name: name, address: "10.0.0.\(position + 4)", profile: profile, directory: "", k3sVersion: k3sVersion,
      defaultRuntime: profile.hasGPU ? "nvidia" : "runc")
    guard profile.hasGPU else { return node }
    profile.uuid = SimProfile.uuid(profile.uuid, of: name)
    node.profile = profile
    node.labels = ["gpu": "on"]
    if scenario != .hamiAbsent {
      node.annotations = [
        "hami.io/node-nvidia-register": registrationAnnotation(for: profile),
        handshakeAnnotation: "Reported 2026-06-23 10:23:02.118274 +0000 UTC",
      ]
    }
    return node
  }

  /// What the cluster holds, for comparing it before and after labrun: everything but the
  /// simulator's own bookkeeping (`changes`, pids) and the annotations HAMi keeps rewriting.
  public var clusterObjects: SimState {
    var objects = self
    objects.changes = []
    objects.nextPID = 0
    objects.nodeAnnotations[Self.handshakeAnnotation] = nil
    for index in objects.agents.indices { objects.agents[index].annotations[Self.handshakeAnnotation] = nil }
    return objects
  }

  /// Whether a ConfigMap `name` exists in `namespace` (`default`'s are kept by name alone).
  func hasConfigMap(_ name: String, in namespace: String) -> Bool {
    namespace == "default"
      ? configMaps.contains(name) : namespacedConfigMaps?.contains(namespace + "/" + name) == true
  }

  /// The ConfigMaps of `namespace` (all namespaces: nil) that `selector` picks. Labels are not
  /// modelled: the lab's one ConfigMap (`hami-probe`) is the one that carries labrun's label.
  func configMaps(in namespace: String?, selector: String?) -> [String] {
    let namespaced = (namespacedConfigMaps ?? []).filter { entry in
      namespace.map { entry.hasPrefix($0 + "/") } ?? true
    }
    .map { String($0.split(separator: "/", maxSplits: 1).last ?? "") }
    let all = (namespace == nil || namespace == "default" ? configMaps : []) + namespaced
    guard let selector else { return all }
    return selector.hasPrefix("app.kubernetes.io/part-of=") ? all.filter { $0 == "hami-probe" } : []
  }

  /// HAMi's device plugin handshakes with its scheduler all the time, rewriting an annotation on
  /// every node it runs on.
  mutating func handshake(at date: Date) {
    guard preBuilt == true, hamiDeployed, nodeAnnotations[Self.handshakeAnnotation] != nil else { return }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
    let reported = "Reported \(formatter.string(from: date)) +0000 UTC"
    nodeAnnotations[Self.handshakeAnnotation] = reported
    for index in agents.indices where agents[index].annotations[Self.handshakeAnnotation] != nil {
      agents[index].annotations[Self.handshakeAnnotation] = reported
    }
  }
}
