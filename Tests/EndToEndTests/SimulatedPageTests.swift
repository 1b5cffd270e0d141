import Foundation
import TestSupport
import Testing

/// Issue 12 item 11: the page of a simulated run, through the binary: a plain title, the run
/// id, a status paragraph that says "simulated" once, 🧪 rows rather than a green ✅, and
/// simulated artifacts dated with the run's date. Checked on the suite's one full run of the
/// lab on this machine (SimulatedHostTests' fullLabPassesEveryExerciseAndIsSimulated), which
/// makes the same `labrun run --host sim` this test once made for itself.
enum SimulatedPageTests {
  static func theSimulatedPageSaysWhatItIsOnce(page: String, directory: URL) throws {
    let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first == "# HAMi GPU Isolation Validation", "\(lines.first ?? "")")
    #expect(!page.contains("Lesson"))
    let id = directory.lastPathComponent
    #expect(page.contains("Run: `\(id)`."), "the run id is on the page")
    let status = try #require(lines.first { $0.hasPrefix("**STATUS: 🧪 SIMULATED**") })
    #expect(status.components(separatedBy: "not captured on hardware").count == 2, "said once: \(status)")
    #expect(status.components(separatedBy: "simulated GPU host").count == 2, "said once: \(status)")
    // Checklist rows: 🧪, never ✅.
    let rows = lines.filter { $0.hasPrefix("| 1 |") || $0.hasPrefix("| 2 |") || $0.hasPrefix("| 3 |") }
      .filter { $0.contains("sha256:") }
    #expect(rows.count >= 3, "\(page)")
    for row in rows {
      #expect(row.contains("🧪 PASS (simulated)") && !row.contains("✅"), "\(row)")
    }
    #expect(!page.contains("✅"))
    // The simulated tools date their output when they run: the run's date, not a fixed one.
    let record = try String(contentsOf: directory.appendingPathComponent("run.json"), encoding: .utf8)
    let started = try #require(record.firstMatch(of: /"started_at" : "(\d{4})-(\d{2})-(\d{2})T/))
    let (year, month, day) = (String(started.1), Int(started.2) ?? 0, Int(started.3) ?? 0)
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let ctimeDay = months[month - 1] + " " + (day < 10 ? " \(day)" : "\(day)")
    let artifacts = directory.appendingPathComponent("artifacts")
    let hostGPU = try String(contentsOf: artifacts.appendingPathComponent("0-host-gpu.txt"), encoding: .utf8)
    #expect(hostGPU.contains(ctimeDay) && hostGPU.contains(year), "nvidia-smi's date: \(hostGPU.prefix(300))")
    let helm = try String(contentsOf: artifacts.appendingPathComponent("0-helm-release.txt"), encoding: .utf8)
    #expect(helm.contains(String(format: "%@-%02d-%02d", year, month, day)), "\(helm)")
    #expect(!helm.contains("2026-06-23") || String(format: "%@-%02d-%02d", year, month, day) == "2026-06-23")
  }
}
