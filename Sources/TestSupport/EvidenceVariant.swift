import Foundation
import LabPipeline

/// Format variants of an evidence bundle: the same captured facts written the ways real
/// captures differ (see `Fixtures/corpus/README.md`), for property tests of the verifier. A
/// format variant must never change a verdict; a truncation may only lose evidence.
///
/// Every variant is built in memory as if it had been captured that way (its integrity is the
/// original's), so the verifier judges the content, not a checksum mismatch.
public enum EvidenceVariant: String, CaseIterable, Sendable {
  /// CRLF line endings (a capture saved on Windows, or through a terminal).
  case crlf
  /// ANSI colour codes around words and at line ends (`grep --color=always`, a coloured shell).
  case ansi
  /// kubectl's column headers and the Events header dropped (`| grep`, `| tail`), and the
  /// `--query-gpu` CSV header dropped with `--format=csv,noheader` in its command.
  case withoutHeaders
  /// Each file's `$` sections in reverse order.
  case sectionsReordered
  /// HAMi-core Msg/Info lines interleaved anywhere (HAMi-core writes to stderr at any moment),
  /// one glued to the end of each section's last line.
  case noiseLines

  /// `bundle` with every artifact rewritten this way.
  public func apply(to bundle: EvidenceBundle) -> EvidenceBundle {
    Self.rewriting(bundle) { name, text in transform(text, file: name) }
  }

  /// `bundle` with every variant applied, one after the other.
  public static func allCombined(_ bundle: EvidenceBundle) -> EvidenceBundle {
    allCases.reduce(bundle) { $1.apply(to: $0) }
  }

  /// Truncations of `bundle`: each artifact dropped, and each artifact cut after its lines (the
  /// rest of the bundle as it was). Cuts fall on line boundaries, as partial captures do: after
  /// every line of a file of up to 80 lines; in a longer one (a probe's hundreds of `allocated N
  /// MiB` lines) after each of its first and last 40 lines and every 10th line between.
  public static func truncations(of bundle: EvidenceBundle) -> [(description: String, bundle: EvidenceBundle)]
  {
    var variants: [(String, EvidenceBundle)] = []
    for name in bundle.artifactNames {
      guard let artifact = bundle.artifact(name) else { continue }
      let lines = artifact.text.split(separator: "\n", omittingEmptySubsequences: false)
      variants.append(("\(name) dropped", rewriting(bundle, dropping: name) { _, text in text }))
      let count = max(0, lines.count - 1)
      for kept in 0..<count where count <= 80 || kept < 40 || kept >= count - 40 || kept % 10 == 0 {
        let cut = lines.prefix(kept).map { $0 + "\n" }.joined()
        variants.append(
          ("\(name) cut after \(kept) lines", rewriting(bundle) { file, text in file == name ? cut : text }))
      }
    }
    return variants
  }

  // MARK: The rewrites

  private func transform(_ text: String, file: String) -> String {
    switch self {
    case .crlf:
      return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    case .ansi:
      return Self.mapOutputLines(text) { line, index in
        var coloured = line
        for word in Self.colouredWords where coloured.contains(word) {
          coloured = coloured.replacingOccurrences(
            of: word, with: "\u{1B}[01;31m\u{1B}[K\(word)\u{1B}[m\u{1B}[K")
        }
        return index % 3 == 0 ? "\u{1B}[0m" + coloured + "\u{1B}[0m" : coloured
      }
    case .withoutHeaders:
      return Self.sections(of: text).map(Self.withoutHeaders).joined()
    case .sectionsReordered:
      var parts = Self.sections(of: text)
      guard parts.count > 2 else { return text }
      let head = parts.removeFirst()
      return head + parts.reversed().map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined()
    case .noiseLines:
      return Self.mapOutputLines(text) { line, index in
        let message = "[HAMI-core Msg(54:133390658244608:libvgpu.c:870)]: Initializing....."
        let info = "[HAMI-core Info(54:133390658244608:hook.c:300)]: loaded nvml libraries"
        if index == 0 { return message + "\n" + line }
        return index % 4 == 0 ? info + "\n" + line : line
      }
    }
  }

  /// Words the `ansi` variant colours, as a `grep --color` for them would.
  static let colouredWords = [
    "Running", "Pending", "Warning", "FilteringFailed", "CardInsufficientMemory", "HAMI-core", "OOM",
    "CUDA_DEVICE_MEMORY_LIMIT", "libvgpu.so", "MiB", "GPU",
  ]

  /// The text before the first `$` line (the simulated marker, or output without a command),
  /// then one string per `$` section, each with its trailing newline.
  static func sections(of text: String) -> [String] {
    var parts: [String] = [""]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
      if line.hasPrefix("$ ") { parts.append("") }
      parts[parts.count - 1] += line + "\n"
    }
    if !text.hasSuffix("\n"), let last = text.split(separator: "\n", omittingEmptySubsequences: false).last,
      !last.isEmpty
    {
      parts[parts.count - 1] += last
    }
    return parts
  }

  /// Applies `change` to every output line (not the marker, not `$` lines, not blank lines),
  /// with the line's index among the output lines of its section.
  static func mapOutputLines(_ text: String, _ change: (String, Int) -> String) -> String {
    sections(of: text).map { section in
      var index = 0
      let lines = section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      return lines.enumerated().map { offset, line in
        let isLast = offset == lines.count - 1
        guard !line.hasPrefix("$ "), line != Artifact.simulatedMarker,
          !line.trimmingCharacters(in: .whitespaces).isEmpty, !isLast || !section.hasSuffix("\n")
        else { return line }
        defer { index += 1 }
        return change(line, index)
      }.joined(separator: "\n")
    }.joined()
  }

  /// A section without kubectl's column header (pod, node and event tables) and, for a
  /// `--query-gpu … --format=csv` section, without the CSV header and with `noheader` added.
  static func withoutHeaders(_ section: String) -> String {
    var lines = section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let command = lines.first, command.hasPrefix("$ ") else { return section }
    if command.contains("--query-gpu="), command.contains("--format=csv"), !command.contains("noheader"),
      let header = lines.dropFirst().firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
    {
      lines.remove(at: header)
      lines[0] = command.replacingOccurrences(of: "--format=csv", with: "--format=csv,noheader")
      return lines.joined(separator: "\n")
    }
    return lines.filter { line in
      let words = line.split(separator: " ")
      let isTableHeader =
        (words.first == "NAME" || words.first == "NAMESPACE")
        && (words.contains("READY") || words.contains("ROLES"))
      let isEventsHeader =
        words == ["Type", "Reason", "Age", "From", "Message"]
        || (line.hasPrefix(" ") && !words.isEmpty && words.allSatisfy { $0.allSatisfy { $0 == "-" } })
      return !isTableHeader && !isEventsHeader
    }.joined(separator: "\n")
  }

  /// `bundle` with each artifact's text replaced by `change(name, text)` (and `dropping` left out).
  static func rewriting(
    _ bundle: EvidenceBundle, dropping: String? = nil, _ change: (String, String) -> String
  ) -> EvidenceBundle {
    let artifacts = bundle.artifactNames.filter { $0 != dropping }.compactMap { name -> Artifact? in
      guard let artifact = bundle.artifact(name) else { return nil }
      let text = change(name, artifact.text)
      return text == artifact.text ? artifact : Artifact(name: name, data: Data(text.utf8))
    }
    let integrity: EvidenceBundle.Integrity
    switch bundle.integrity {
    case .verified: integrity = .verified(fileCount: artifacts.count)
    case let other: integrity = other
    }
    return EvidenceBundle(
      run: bundle.run, artifacts: artifacts, integrity: integrity, provenance: bundle.provenance,
      runRecordIntegrity: bundle.runRecordIntegrity)
  }
}
