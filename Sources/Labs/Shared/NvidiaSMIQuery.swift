import Foundation

/// `nvidia-smi --query-gpu=… --format=csv` output (with its header line).
///
/// Keys are the query field names without units (`memory.total [MiB]` → `memory.total`).
public struct NvidiaSMIQuery: Sendable, Hashable {
  /// One row per GPU: field name → value as printed (e.g. `49140 MiB`, `[N/A]`).
  public var rows: [[String: String]]
  /// The captured data lines, for excerpts.
  public var lines: [String]

  /// Parses the first CSV query table in `lines`; `nil` when there is none.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    let fieldPattern = #/^[a-z][a-z_.]*(?: \[[^\]]+\])?$/#
    for (offset, line) in lines.enumerated() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      guard fields.count >= 2, fields.allSatisfy({ $0.wholeMatch(of: fieldPattern) != nil }),
        fields.contains(where: { $0.hasPrefix("name") || $0.hasPrefix("uuid") || $0.hasPrefix("memory.") })
      else { continue }
      let keys = fields.map { field in
        field.firstIndex(of: " ").map { String(field[..<$0]) } ?? field
      }
      var rows: [[String: String]] = []
      var dataLines: [String] = []
      for dataLine in lines[(offset + 1)...] {
        let values = dataLine.split(separator: ",", omittingEmptySubsequences: false)
          .map { $0.trimmingCharacters(in: .whitespaces) }
        guard values.count == keys.count, !dataLine.trimmingCharacters(in: .whitespaces).isEmpty else {
          break
        }
        rows.append(Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first }))
        dataLines.append(dataLine)
      }
      guard !rows.isEmpty else { continue }
      self.rows = rows
      self.lines = [line] + dataLines
      return
    }
    return nil
  }

  /// The leading integer of a value such as `49140 MiB`.
  public static func mebibytes(_ value: String?) -> Int? {
    guard let value else { return nil }
    let digits = value.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }
    return Int(digits)
  }
}
