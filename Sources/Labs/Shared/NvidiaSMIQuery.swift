import Foundation
import LabPipeline

/// `nvidia-smi --query-gpu=… --format=csv` output (with its header line).
///
/// Keys are the query field names without units (`memory.total [MiB]` → `memory.total`).
public struct NvidiaSMIQuery: Sendable, Hashable {
  /// One row per GPU: field name → value as printed (e.g. `49140 MiB`, `[N/A]`).
  public var rows: [[String: String]]
  /// The captured data lines, for excerpts.
  public var lines: [String]

  /// The first query in `artifact`: a section whose command asks `--query-gpu=…` is read with
  /// the fields that command names (so `--format=csv,noheader` output and one-field queries
  /// read too); without such a section, the first CSV query table with a header anywhere.
  public init?(artifact: Artifact) {
    for section in artifact.sections {
      guard let command = section.command, let query = NvidiaSMIQuery(lines: section.lines, command: command)
      else { continue }
      self = query
      return
    }
    guard let query = NvidiaSMIQuery(lines: artifact.outputLines) else { return nil }
    self = query
  }

  /// Parses `lines`, the output of `command` (`nvidia-smi --query-gpu=a,b,c --format=…`); nil
  /// when the command is no query or the output has no row of that many fields.
  public init?(lines rawLines: [String], command: String) {
    guard let match = command.firstMatch(of: #/--query-gpu[= ]([A-Za-z0-9_.,]+)/#) else { return nil }
    let keys = match.output.1.split(separator: ",").map(String.init)
    let lines = HAMiCoreLog.strippingMessages(rawLines).filter {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty
    }
    func fields(_ line: String) -> [String] {
      line.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    }
    var rows: [[String: String]] = []
    var dataLines: [String] = []
    for line in lines {
      let values = fields(line)
      guard values.count == keys.count else { continue }
      // The header repeats the keys (with units under --format=csv).
      if zip(values, keys).allSatisfy({ $0.0 == $0.1 || $0.0.hasPrefix($0.1 + " [") }) {
        dataLines.append(line)
        continue
      }
      rows.append(Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first }))
      dataLines.append(line)
    }
    guard !rows.isEmpty else { return nil }
    self.rows = rows
    self.lines = dataLines
  }

  /// Parses the first CSV query table in `lines` (found by its header line); `nil` when there
  /// is none.
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
