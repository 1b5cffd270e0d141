import Foundation

/// Renders a ``ValidationReport`` as the markdown validation page or as JSON.
///
/// Pure: the output depends only on the report, so the same bundle renders the same bytes.
public enum ValidationPageRenderer {
  // MARK: Markdown

  public static func markdown(_ report: ValidationReport) -> String {
    var out: [String] = []
    out.append("# \(report.page.title)")
    out.append("")
    out.append(statusLine(report))
    out.append("")
    out.append("## Environment")
    out.append("")
    out.append("| Item | Value |")
    out.append("|---|---|")
    for row in report.environment.rows {
      out.append("| \(cell(row.item)) | \(cell(row.value)) |")
    }
    if let note = report.environment.note {
      out.append("")
      out.append(note)
    }
    out.append("")
    out.append("## Validation checklist (\(report.exercises.count) exercises)")
    out.append("")
    out.append("| # | Exercise | Pass criteria | Result | Evidence |")
    out.append("|---|---|---|---|---|")
    for exercise in report.exercises {
      let evidence =
        exercise.evidence.isEmpty
        ? "none" : exercise.evidence.map { "\($0.file) (sha256:\($0.shortDigest))" }.joined(separator: ", ")
      out.append(
        "| \(cell(exercise.id)) | \(cell(exercise.title)) | \(cell(exercise.criteria)) | "
          + "\(cell(resultText(exercise))) | \(cell(evidence)) |")
    }
    out.append("")
    out.append("## \(report.page.provesHeading)")
    out.append("")
    if report.status == .simulated {
      out.append("Nothing about real hardware: this run used the simulated GPU host.")
    } else if report.page.proves.isEmpty {
      out.append("Nothing yet: no exercise passed on this evidence.")
    } else {
      for bullet in report.page.proves { out.append("- \(bullet)") }
    }
    out.append("")
    out.append("## Scope limits")
    out.append("")
    out.append(report.page.scopeLimits.joined(separator: "\n\n"))
    if !report.artifacts.isEmpty {
      out.append("")
      out.append("## Evidence files")
      out.append("")
      out.append("| File | SHA-256 |")
      out.append("|---|---|")
      for artifact in report.artifacts {
        out.append("| \(cell(artifact.file)) | `\(artifact.sha256)` |")
      }
    }
    out.append("")
    return out.joined(separator: "\n")
  }

  /// The bold status line with the run's date and machine.
  public static func statusLine(_ report: ValidationReport) -> String {
    let date = report.date ?? "date unknown"
    let gpu = report.environment.gpu ?? "an unidentified GPU"
    let machine = report.provider.map { "\(gpu) (\($0))" } ?? gpu
    let head = "**STATUS: \(report.status.symbol) \(report.status.rawValue)**"
    var sentences: [String] = []
    switch (report.status, report.provenance) {
    case (.simulated, _):
      sentences.append("\(head) - produced on the simulated GPU host, \(date); not captured on hardware.")
    case (_, .imported(let imported)):
      let provider = imported.provider.map { " (\($0))" } ?? ""
      sentences.append(
        "\(head) - imported evidence captured by hand on \(imported.host)\(provider) with \(gpu), \(date); "
          + "provenance not verified at capture time.")
    case (.validated, .recorded):
      sentences.append("\(head) - captured on a real \(machine), \(date).")
    case (_, .recorded):
      sentences.append("\(head) - captured on \(machine), \(date).")
    }
    switch report.integrity {
    case .verified(let count):
      let kind =
        report.status == .simulated
        ? "simulated command output" : "real command output captured during the run"
      sentences.append(
        "Evidence: \(kind) (\(count) artifact files, all matching artifacts/SHA256SUMS; "
          + "cited with their SHA-256 in the table below).")
    case .checksumsMissing:
      sentences.append("Evidence: command output NOT verified - artifacts/SHA256SUMS is missing.")
    case .notRecorded:
      sentences.append(
        "Evidence: imported command output; no run.json and no checksums recorded at capture time.")
    }
    if report.status == .validated {
      sentences.append(report.page.validatedBlurb)
    } else {
      sentences.append("Not validated: " + report.statusReasons.joined(separator: "; ") + ".")
    }
    sentences.append("Lab: `\(report.page.labPath)`.")
    return sentences.joined(separator: " ")
  }

  /// The Result column: symbol and the check's reason.
  public static func resultText(_ exercise: ExerciseResult) -> String {
    switch exercise.verdict {
    case .pass: return "✅ \(exercise.reason)"
    case .fail: return "❌ FAIL: \(exercise.reason)"
    case .inconclusive: return "⚠️ INCONCLUSIVE: \(exercise.reason)"
    }
  }

  /// Escapes a markdown table cell: pipes escaped, line breaks flattened.
  static func cell(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "|", with: "\\|")
      .replacingOccurrences(of: "\r", with: " ")
      .replacingOccurrences(of: "\n", with: " ")
  }

  // MARK: JSON

  /// `--format json`: the same verdicts as data, keys sorted, ending in a newline.
  public static func json(_ report: ValidationReport) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(JSONReport(report))
    data.append(0x0A)
    return data
  }
}

/// The JSON form's shape (snake_case keys; absent values are `null`).
struct JSONReport: Encodable {
  struct Environment: Encodable {
    var gpu: String?
    var gpuMemoryMiB: Int?
    var gpuUUID: String?
    var driver: String?
    var cuda: String?
    var kubernetes: String?
    var machine: String?

    enum CodingKeys: String, CodingKey {
      case gpu, driver, cuda, kubernetes, machine
      case gpuMemoryMiB = "gpu_memory_mib"
      case gpuUUID = "gpu_uuid"
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(gpu, forKey: .gpu)
      try container.encode(gpuMemoryMiB, forKey: .gpuMemoryMiB)
      try container.encode(gpuUUID, forKey: .gpuUUID)
      try container.encode(driver, forKey: .driver)
      try container.encode(cuda, forKey: .cuda)
      try container.encode(kubernetes, forKey: .kubernetes)
      try container.encode(machine, forKey: .machine)
    }
  }

  struct Exercise: Encodable {
    var id: String
    var title: String
    var criteria: String
    var verdict: Verdict
    var reason: String
    var excerpt: [String]
    var evidence: [EvidenceCitation]
  }

  var status: ValidationStatus
  var date: String?
  var lab: String
  var runID: String?
  var targetKind: String?
  var provenance: String
  var integrity: String
  var statusReasons: [String]
  var environment: Environment
  var exercises: [Exercise]
  var artifacts: [EvidenceCitation]

  enum CodingKeys: String, CodingKey {
    case status, date, lab, provenance, integrity, environment, exercises, artifacts
    case runID = "run_id"
    case targetKind = "target_kind"
    case statusReasons = "status_reasons"
  }

  init(_ report: ValidationReport) {
    status = report.status
    date = report.date
    lab = report.lab
    runID = report.runID
    targetKind = report.targetKind
    switch report.provenance {
    case .recorded: provenance = "recorded"
    case .imported: provenance = "imported"
    }
    switch report.integrity {
    case .verified: integrity = "verified"
    case .checksumsMissing: integrity = "checksums_missing"
    case .notRecorded: integrity = "not_recorded"
    }
    statusReasons = report.statusReasons
    let env = report.environment
    environment = Environment(
      gpu: env.gpu, gpuMemoryMiB: env.gpuMemoryMiB, gpuUUID: env.gpuUUID, driver: env.driver, cuda: env.cuda,
      kubernetes: env.kubernetes, machine: env.machine)
    artifacts = report.artifacts
    exercises = report.exercises.map {
      Exercise(
        id: $0.id, title: $0.title, criteria: $0.criteria, verdict: $0.verdict, reason: $0.reason,
        excerpt: $0.excerpt, evidence: $0.evidence)
    }
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(status, forKey: .status)
    try container.encode(date, forKey: .date)
    try container.encode(lab, forKey: .lab)
    try container.encode(runID, forKey: .runID)
    try container.encode(targetKind, forKey: .targetKind)
    try container.encode(provenance, forKey: .provenance)
    try container.encode(integrity, forKey: .integrity)
    try container.encode(statusReasons, forKey: .statusReasons)
    try container.encode(environment, forKey: .environment)
    try container.encode(exercises, forKey: .exercises)
    try container.encode(artifacts, forKey: .artifacts)
  }
}
