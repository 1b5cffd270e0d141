import Foundation

/// The default `nvidia-smi` table.
///
/// Reads both header generations (`Driver Version:` / `CUDA Version:` and the newer
/// `KMD Version:` / `CUDA UMD Version:`), device rows of old and new widths, truncated names
/// (`NVIDIA GeForce RTX 3090 ...`), the Memory-Usage column and the MIG M. column.
public struct NvidiaSMITable: Sendable, Hashable {
  /// One device row (three table lines).
  public struct GPU: Sendable, Hashable {
    public var index: Int
    /// The name as shown, possibly truncated by nvidia-smi.
    public var name: String
    public var memoryUsedMiB: Int?
    public var memoryTotalMiB: Int?
    /// `Disabled`, `Enabled`, `N/A` (no MIG support), or nil when not shown.
    public var migMode: String?
    /// `0MiB /   8000MiB` with runs of spaces collapsed: `0MiB / 8000MiB`.
    public var memoryUsage: String?
    /// The captured lines of this device (name row, memory row).
    public var lines: [String]

    /// Whether nvidia-smi cut the name short.
    public var nameIsTruncated: Bool { name.hasSuffix("...") }
  }

  public var driverVersion: String?
  public var cudaVersion: String?
  public var gpus: [GPU]
  /// The header line (`| NVIDIA-SMI … |`).
  public var headerLine: String?

  /// Parses the first nvidia-smi table in `lines`; `nil` when there is none.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    var driver: String?
    var cuda: String?
    var header: String?
    var gpus: [GPU] = []
    let driverPattern = #/(?:Driver|KMD)\s+Version:\s*([0-9][0-9A-Za-z.\-]*)/#
    let cudaPattern = #/CUDA(?:\s+UMD)?\s+Version:\s*([0-9][0-9.]*)/#
    let rowPattern =
      #/^\|\s*(\d+)\s+(.+?)\s+(On|Off)\s*\|\s*([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])/#
    let memoryPattern = #/(\d+)\s*MiB\s*/\s*(\d+)\s*MiB/#
    var index = 0
    while index < lines.count {
      let line = lines[index]
      if header == nil, line.contains("NVIDIA-SMI") {
        header = line
        driver = line.firstMatch(of: driverPattern).map { String($0.output.1) }
        cuda = line.firstMatch(of: cudaPattern).map { String($0.output.1) }
      } else if line.hasPrefix("|"), line.contains(":"), let row = line.firstMatch(of: rowPattern),
        let gpuIndex = Int(row.output.1)
      {
        var gpu = GPU(
          index: gpuIndex, name: String(row.output.2).trimmingCharacters(in: .whitespaces),
          memoryUsedMiB: nil,
          memoryTotalMiB: nil, migMode: nil, memoryUsage: nil, lines: [line])
        if index + 1 < lines.count, let memory = lines[index + 1].firstMatch(of: memoryPattern) {
          gpu.memoryUsedMiB = Int(memory.output.1)
          gpu.memoryTotalMiB = Int(memory.output.2)
          gpu.memoryUsage = "\(memory.output.1)MiB / \(memory.output.2)MiB"
          gpu.lines.append(lines[index + 1])
          if index + 2 < lines.count {
            gpu.migMode = Self.migCell(lines[index + 2])
          }
        }
        gpus.append(gpu)
      }
      index += 1
    }
    guard header != nil || !gpus.isEmpty else { return nil }
    self.driverVersion = driver
    self.cudaVersion = cuda
    self.gpus = gpus
    self.headerLine = header
  }

  /// The MIG M. cell of a device's third line (`|   |   |   Disabled |`), when the line is one.
  private static func migCell(_ line: String) -> String? {
    guard line.hasPrefix("|") else { return nil }
    let cells = line.split(separator: "|", omittingEmptySubsequences: false)
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
    guard cells.count == 1, let cell = cells.first, !cell.contains("MiB") else { return nil }
    return cell
  }
}

extension NvidiaSMITable {
  /// What a failed `nvidia-smi` printed instead of a table, or nil when nothing in `lines` says
  /// it failed: NVML errors (`Failed to initialize NVML: Unknown Error`, HAMi issues #248, #1704),
  /// a driver it cannot reach, a missing binary, a runtime that cannot exec it, kubectl's
  /// `command terminated with exit code N`, or HAMi-core's `Initializing.....` and nothing else
  /// (a hang).
  public static func failure(in rawLines: [String]) -> String? {
    let patterns = [
      #/Failed to initialize NVML.*/#, #/NVIDIA-SMI has failed.*/#, #/nvidia-smi: (?:command )?not found/#,
      #/OCI runtime exec failed/#, #/Unable to determine the device handle.*/#,
      #/command terminated with exit code \d+/#,
    ]
    var found: [String] = []
    for line in HAMiCoreLog.strippingMessages(rawLines) {
      for pattern in patterns {
        if let match = line.firstMatch(of: pattern) {
          let text = String(match.output).trimmingCharacters(in: .whitespaces)
          if !found.contains(text) { found.append(text) }
        }
      }
    }
    if !found.isEmpty { return found.joined(separator: "; ") }
    let stripped = HAMiCoreLog.strippingMessages(rawLines).filter {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty
    }
    if stripped.isEmpty, rawLines.contains(where: { $0.contains("Initializing.....") }) {
      return "only HAMi-core's `Initializing.....` line (nvidia-smi hung)"
    }
    return nil
  }
}
