import Foundation
import LabPipeline

/// The GPU memory free on each node of a cluster, as HAMi's scheduler budgets it: per card its
/// registered devmem less what `hami.io/vgpu-devices-allocated` hands out on it; a node's free
/// memory is that of its freest card (one pod of one GPU fits on one card).
public struct ClusterFreeMemory: Sendable, Hashable {
  /// Free MiB by node name, for the nodes whose registration was readable.
  public var perNode: [String: Int]
  /// Free MiB on every card of those nodes together: the room the cluster has in all.
  public var total: Int

  /// - Parameters:
  ///   - registrations: each node's `hami.io/node-nvidia-register`, nil where unreadable.
  ///   - allocationLines: `NODE ALLOCATION` lines (``ClusterBudgetStep/allocations``).
  public init(registrations: [(String, HAMiRegistration?)], allocationLines: [String]) {
    var used: [String: Int] = [:]
    for line in allocationLines {
      let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
      guard fields.count == 2, let devices = HAMiPodAllocation.devices(in: fields[1]) else { continue }
      for device in devices { used[fields[0] + "/" + device.uuid, default: 0] += device.memoryMiB ?? 0 }
    }
    var perNode: [String: Int] = [:]
    var total = 0
    for case (let node, let registration?) in registrations {
      let cards = registration.devices.compactMap { device in
        device.devmem.map { max(0, $0 - used[node + "/" + device.id, default: 0]) }
      }
      if let freest = cards.max() { perNode[node] = freest }
      total += cards.reduce(0, +)
    }
    self.perNode = perNode
    self.total = total
  }

  /// `s2 48640 MiB, s3 81559 MiB`, by node name.
  public var summary: String {
    perNode.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) MiB" }.joined(separator: ", ")
  }
}
