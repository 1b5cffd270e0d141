import Foundation

/// `nvidia-smi -L`: `GPU 0: NVIDIA RTX A6000 (UUID: GPU-…)`, with `MIG … Device N: (UUID: MIG-…)`
/// lines under a GPU in MIG mode.
public struct NvidiaSMIList: Sendable, Hashable {
  public struct GPU: Sendable, Hashable {
    public var index: Int
    public var name: String
    public var uuid: String
    public var line: String
  }

  public var gpus: [GPU]
  /// MIG device lines (non-empty only when MIG is enabled).
  public var migDevices: [String]

  /// Parses every `GPU N:` line in `lines`; `nil` when there is none.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    let gpuPattern = #/^GPU\s+(\d+):\s+(.+?)\s+\(UUID:\s*(GPU-[0-9A-Fa-f\-]+)\)/#
    let migPattern = #/^\s+MIG\s.*Device\s+\d+:.*\(UUID:\s*MIG-/#
    var gpus: [GPU] = []
    var mig: [String] = []
    for line in lines {
      if let match = line.firstMatch(of: gpuPattern), let index = Int(match.output.1) {
        gpus.append(GPU(index: index, name: String(match.output.2), uuid: String(match.output.3), line: line))
      } else if line.firstMatch(of: migPattern) != nil {
        mig.append(line)
      }
    }
    guard !gpus.isEmpty else { return nil }
    self.gpus = gpus
    self.migDevices = mig
  }
}
