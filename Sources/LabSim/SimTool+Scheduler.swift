import Foundation

/// What a pod asks HAMi's scheduler for on one card.
struct SimGPURequest {
  var gpumemMiB: Int
  var gpucores: Int
  /// `nvidia.com/use-gpuuuid`: the cards it may have.
  var pinnedGPU: String? = nil
  /// `hami.io/gpu-scheduler-policy: binpack` (HAMi's default card policy is spread).
  var binpack = false
}

/// HAMi's scheduler over the simulated cluster: per node its per-card filter, then the node
/// policy (`hami.io/node-scheduler-policy`, binpack by default as in HAMi's chart) among the
/// nodes that fit.
extension SimTool {
  /// HAMi's per-card filter on the server's own node: the reason no card takes the pod, or nil.
  static func filterReason(state: SimState, gpumemMiB: Int, gpucores: Int) -> String? {
    place(state: state, gpumemMiB: gpumemMiB, gpucores: gpucores, pinned: nil, binpack: false).reason
  }

  /// The card HAMi's scheduler gives a pod on `node` (the server's own by default), or why none:
  /// memory, then cores (percent of the card), then shares, per card. `nvidia.com/use-gpuuuid`
  /// limits the cards; among those that fit, HAMi's default card policy (spread) takes the least
  /// used card, binpack the most used.
  static func place(
    state: SimState, gpumemMiB: Int, gpucores: Int, pinned: String?, binpack: Bool,
    on node: SimClusterNode? = nil
  ) -> (gpu: String?, reason: String?) {
    let node = node ?? state.ownNode
    let profile = node.profile
    var cards = (0..<profile.gpuCount).map { profile.uuid(of: $0) }
    if let pinned {
      let allowed = Set(pinned.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
      cards = cards.filter(allowed.contains)
    }
    let onNode = state.pods.filter {
      $0.phase == "Running" && $0.gpus > 0 && ($0.node ?? state.nodeName) == node.name
    }
    var reason = "CardUuidMismatch"
    var fitting: [(String, Int)] = []
    for card in cards {
      let running = onNode.filter { ($0.gpuUUID ?? profile.uuid) == card }
      let used = running.reduce(0) { $0 + $1.gpumemMiB }
      if used + gpumemMiB > profile.memoryMiB {
        reason = "CardInsufficientMemory"
      } else if running.reduce(gpucores, { $0 + ($1.gpucores ?? 0) }) > 100 {
        reason = "CardInsufficientCore"
      } else if running.count + 1 > SimState.deviceSplitCount {
        reason = "CardInsufficientCount"
      } else {
        fitting.append((card, used))
      }
    }
    let chosen = binpack ? fitting.max { $0.1 < $1.1 } : fitting.min { $0.1 < $1.1 }
    guard let chosen else { return (nil, reason) }
    return (chosen.0, nil)
  }

  /// HAMi's node score (its `node_policy.go`): the node's vGPU shares handed out over the shares
  /// it has, plus its cores handed out over its cores, plus its memory handed out over its memory.
  static func nodeScore(state: SimState, node: SimClusterNode) -> Double {
    let running = state.pods.filter {
      $0.phase == "Running" && $0.gpus > 0 && ($0.node ?? state.nodeName) == node.name
    }
    let cards = Double(max(1, node.profile.gpuCount))
    let shares = Double(running.reduce(0) { $0 + $1.gpus }) / (cards * Double(SimState.deviceSplitCount))
    let cores = Double(running.reduce(0) { $0 + ($1.gpucores ?? 0) }) / (cards * 100)
    let memory = Double(running.reduce(0) { $0 + $1.gpumemMiB }) / (cards * Double(node.profile.memoryMiB))
    return shares + cores + memory
  }

  /// The node and card a pod gets in the cluster, or each registered node's reason to refuse
  /// it. `node` pins the pod (`nodeSelector: kubernetes.io/hostname`); the node policy picks
  /// among the nodes that fit by ``nodeScore(state:node:)``: binpack the highest, spread the
  /// lowest (`spread-ignored`: spread is taken for binpack).
  static func schedule(
    state: SimState, request: SimGPURequest, node pinnedNode: String?, nodePolicy: String?
  ) -> (node: String?, gpu: String?, refusals: [(node: String, reason: String)]) {
    var candidates = state.clusterNodes.filter { state.isRegistered($0) }
    if state.agents.isEmpty, candidates.isEmpty { candidates = [state.ownNode] }
    if let pinnedNode { candidates = candidates.filter { $0.name == pinnedNode } }
    var refusals: [(node: String, reason: String)] = []
    var fitting: [(node: SimClusterNode, gpu: String, used: Double)] = []
    for node in candidates {
      let placed = place(
        state: state, gpumemMiB: request.gpumemMiB, gpucores: request.gpucores, pinned: request.pinnedGPU,
        binpack: request.binpack, on: node)
      if let gpu = placed.gpu {
        fitting.append((node, gpu, nodeScore(state: state, node: node)))
      } else {
        refusals.append((node.name, placed.reason ?? "NodeUnfitPod"))
      }
    }
    let spread = nodePolicy == "spread" && state.scenario != .spreadIgnored
    // Ties keep the cluster's order (the server's node first), as a stable sort would.
    let chosen =
      spread
      ? fitting.min { $0.used < $1.used }
      : fitting.reduce(nil) { best, next in best.map { next.used > $0.used ? next : $0 } ?? next }
    guard let chosen else { return (nil, nil, refusals) }
    return (chosen.node.name, chosen.gpu, [])
  }
}
