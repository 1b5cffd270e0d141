import Foundation
import LabPipeline

/// What is handed out on each GPU node of a cluster, read from a capture of every node's
/// `hami.io/node-nvidia-register` and every pod's `hami.io/vgpu-devices-allocated`
/// (``ClusterBudgetStep/allocations``): each node's free memory (``ClusterFreeMemory``) and the
/// score HAMi's scheduler ranks nodes by for the node policy (HAMi's
/// `pkg/scheduler/policy/node_policy.go`): over the node's registered cards, the vGPU shares
/// handed out over the shares there are, plus the cores handed out over the cores, plus the
/// memory handed out over the memory. `binpack` takes the node with the highest score, `spread`
/// the lowest; other teams' pods count as much as the lab's.
public struct HAMiNodeLoad: Sendable, Hashable {
  /// The node score by node name, for the nodes whose registration was readable.
  public var scores: [String: Double]
  public var free: ClusterFreeMemory
  /// Whether the capture had the allocations (without them nothing counts as handed out).
  public var allocationsCaptured = true

  /// - Parameters:
  ///   - registrations: each node's `hami.io/node-nvidia-register`, nil where unreadable.
  ///   - allocationLines: `NODE ALLOCATION` lines (``ClusterBudgetStep/allocations``).
  public init(registrations: [(String, HAMiRegistration?)], allocationLines: [String]) {
    free = ClusterFreeMemory(registrations: registrations, allocationLines: allocationLines)
    var shares: [String: Int] = [:]
    var cores: [String: Int] = [:]
    var memory: [String: Int] = [:]
    for line in allocationLines {
      let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
      guard fields.count == 2, let devices = HAMiPodAllocation.devices(in: fields[1]) else { continue }
      shares[fields[0], default: 0] += devices.count
      cores[fields[0], default: 0] += devices.reduce(0) { $0 + ($1.cores ?? 0) }
      memory[fields[0], default: 0] += devices.reduce(0) { $0 + ($1.memoryMiB ?? 0) }
    }
    var scores: [String: Double] = [:]
    for case (let node, let registration?) in registrations {
      func ratio(_ used: Int, _ total: Int) -> Double { total > 0 ? Double(used) / Double(total) : 0 }
      let devices = registration.devices
      scores[node] =
        ratio(shares[node, default: 0], devices.reduce(0) { $0 + ($1.count ?? 0) })
        + ratio(cores[node, default: 0], devices.reduce(0) { $0 + ($1.devcore ?? 0) })
        + ratio(memory[node, default: 0], devices.reduce(0) { $0 + ($1.devmem ?? 0) })
    }
    self.scores = scores
  }

  /// The load `artifact` captured for `nodes`: its sections asking for a node's registration
  /// (`kubectl get node NAME …`) and its allocation lines.
  public static func read(_ artifact: Artifact, nodes: [String]) -> HAMiNodeLoad {
    var registrations: [(String, HAMiRegistration?)] = []
    var allocations: [String]?
    for section in artifact.sections {
      guard let command = section.command else { continue }
      if command.contains("vgpu-devices-allocated") {
        allocations = (allocations ?? []) + section.lines
      } else if command.contains("node-nvidia-register"),
        let node = command.split(separator: " ").dropFirst(3).first.map({
          $0.trimmingCharacters(in: ["'", "\""])
        }),
        nodes.contains(node)
      {
        registrations.append((node, HAMiRegistration(lines: section.lines)))
      }
    }
    var load = HAMiNodeLoad(registrations: registrations, allocationLines: allocations ?? [])
    load.allocationsCaptured = allocations != nil
    return load
  }

  /// `s2 0.000, s3 0.263`, by node name.
  public var summary: String {
    scores.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }
      .joined(separator: ", ")
  }
}
