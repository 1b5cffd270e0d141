import Foundation

/// `nvidia-smi --query-compute-apps=pid,…,gpu_uuid,used_memory --format=csv`: the processes on
/// the GPUs as the host sees them (`1179, python3, GPU-f7eb…, 1002 MiB`).
public struct NvidiaSMIComputeApps: Sendable, Hashable {
  public struct Process: Sendable, Hashable {
    public var pid: Int
    public var gpuUUID: String?
    public var usedMiB: Int?
    public var line: String
  }

  public var processes: [Process]

  /// Parses the first table whose header starts with `pid`; nil when there is none (a header
  /// with no rows is an empty list: nothing ran on the GPU).
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    guard
      let headerIndex = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("pid,") })
    else { return nil }
    let keys = lines[headerIndex].split(separator: ",").map {
      String($0.trimmingCharacters(in: .whitespaces).prefix { $0 != " " })
    }
    var processes: [Process] = []
    for line in lines[(headerIndex + 1)...] {
      let values = line.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard values.count == keys.count else { break }
      let row = Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first })
      guard let pid = row["pid"].flatMap({ Int($0) }) else { break }
      processes.append(
        Process(
          pid: pid, gpuUUID: row["gpu_uuid"],
          usedMiB: NvidiaSMIQuery.mebibytes(row["used_gpu_memory"] ?? row["used_memory"]),
          line: line))
    }
    self.processes = processes
  }
}
