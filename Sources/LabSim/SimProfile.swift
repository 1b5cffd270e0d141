import Foundation

/// A simulated card: what `nvidia-smi` and the HAMi registration report.
public struct SimProfile: Sendable, Hashable, Codable {
  /// The `sim:PROFILE` name.
  public var id: String
  /// The full product name (`nvidia-smi -L`, the query, the registration `type`).
  public var name: String
  /// Physical memory in MiB, as `nvidia-smi` reports it.
  public var memoryMiB: Int
  public var uuid: String
  public var driver: String
  public var cuda: String
  /// Power cap in W, for the table.
  public var powerCapW: Int
  /// How many such cards the host has (nil: one; 0: a node without a GPU, `cpu-only`).
  public var count: Int?

  /// The number of cards.
  public var gpuCount: Int { count ?? 1 }

  /// The UUID of card `index` (card 0's is ``uuid``).
  public func uuid(of index: Int) -> String {
    guard index > 0 else { return uuid }
    return String(uuid.dropLast(2)) + String(format: "%02x", index)
  }

  /// The card `--host sim` uses.
  public static let defaultID = "a6000-48gb"

  public static let all: [SimProfile] = [
    SimProfile(
      id: "a6000-48gb", name: "NVIDIA RTX A6000", memoryMiB: 49140,
      uuid: "GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552", driver: "535.183.06", cuda: "12.4", powerCapW: 300),
    SimProfile(
      id: "l4-24gb", name: "NVIDIA L4", memoryMiB: 23034,
      uuid: "GPU-5b1f6c2e-8a43-4d7e-9f10-2c6e8b4a7d31", driver: "535.183.06", cuda: "12.4", powerCapW: 72),
    SimProfile(
      id: "h100-80gb", name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559,
      uuid: "GPU-dbf2f81e-5d9d-3a65-91b9-0918b5fb6fc2", driver: "535.183.06", cuda: "12.4", powerCapW: 700),
    SimProfile(
      id: "h200-141gb", name: "NVIDIA H200", memoryMiB: 143771,
      uuid: "GPU-c4ea28df-1541-b851-62f1-7912b9c48563", driver: "580.159.04", cuda: "13.0", powerCapW: 700),
    SimProfile(
      id: "rtx-pro-6000-96gb", name: "NVIDIA RTX PRO 6000 Blackwell Server Edition", memoryMiB: 97887,
      uuid: "GPU-7c9e2a14-3b6f-4e85-a1d2-5f8c0b3e6a97", driver: "575.57.08", cuda: "12.9", powerCapW: 600),
    SimProfile(
      id: "2x-a6000-48gb", name: "NVIDIA RTX A6000", memoryMiB: 49140,
      uuid: "GPU-6f1a2b3c-4d5e-4f60-8172-93a4b5c6d700", driver: "535.183.06", cuda: "12.4", powerCapW: 300,
      count: 2),
    // A cluster node without a GPU (a control-plane or CPU worker): no driver, no nvidia-smi.
    SimProfile(
      id: "cpu-only", name: "", memoryMiB: 0, uuid: "", driver: "", cuda: "", powerCapW: 0, count: 0),
    SimProfile(
      id: "tiny-2gb", name: "NVIDIA T400", memoryMiB: 1870,
      uuid: "GPU-0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", driver: "535.183.06", cuda: "12.4", powerCapW: 31),
  ]

  /// `uuid` made the card's of machine `machine`: its last 12 hex digits from a hash of the name.
  static func uuid(_ uuid: String, of machine: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in machine.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    let digits = String(format: "%012llx", hash & 0xffff_ffff_ffff)
    return String(uuid.dropLast(12)) + digits
  }

  /// Whether the host has a GPU at all (`cpu-only` has none).
  public var hasGPU: Bool { gpuCount > 0 }

  /// The profile named `id`, or nil.
  public static func named(_ id: String) -> SimProfile? { all.first { $0.id == id } }

  /// The name as the nvidia-smi table shows it (long names are cut with `...`).
  var tableName: String { name.count > 28 ? String(name.prefix(25)) + "..." : name }
}
