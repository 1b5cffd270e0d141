import Foundation
import LabPipeline
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The fleet's progress: the live board's lines and the plain prefixed lines.
@Suite struct FleetProgressTests {
  static func step(_ index: Int, _ id: String) -> StepProgress {
    StepProgress(phase: .up, id: id, title: id, index: index, count: 12)
  }

  @Test func boardHasALinePerHostCutToTheWidthAndASummary() {
    var board = FleetProgressBoard(hosts: ["gpu-01", "gpu-02", "a-much-longer-host-name"])
    board.start("gpu-01", at: 10)
    board.apply(.stepStarted(Self.step(3, "install-k3s")), host: "gpu-01", at: 10)
    board.start("gpu-02", at: 12)
    board.finish("gpu-02", outcome: "all PASS", at: 75)
    let frame = board.frame(width: 200, now: 22)
    #expect(frame.count == 4)
    #expect(frame[0].hasPrefix("gpu-01 "))
    #expect(frame[0].hasSuffix("up [3/12] install-k3s  12s"))
    #expect(frame[1].hasSuffix("all PASS  1m03s"))
    #expect(frame[2].hasSuffix("waiting for a free slot"))
    #expect(frame[3] == "3 hosts: 1 running · 1 done · 1 waiting")
    let narrow = board.frame(width: 20, now: 22)
    #expect(narrow.allSatisfy { $0.count <= 20 })
    #expect(narrow[0].hasSuffix("…"))
  }

  @Test func liveDisplayRedrawsInPlace() {
    let output = Output()
    let printer = FleetProgressPrinter(
      hosts: ["gpu-01", "gpu-02"], live: true, width: { 40 }, clock: { 0 }, sink: output.append)
    printer.started("gpu-01")
    printer.handle(.stepStarted(Self.step(1, "preflight")), host: "gpu-01")
    let frames = output.chunks
    #expect(frames.count == 2)
    #expect(!frames[0].contains("\u{1B}[3A"), "nothing to move over on the first frame")
    #expect(frames[1].hasPrefix("\u{1B}[3A\r\u{1B}[2Kgpu-01  up [1/12] preflight  0s\n"))
    #expect(frames[1].split(separator: "\n").allSatisfy { $0.count <= 40 + 6 })
  }

  /// Without a TTY, 16 hosts logging at once into one file descriptor (standard error
  /// redirected to a file): every line arrives whole, prefixed with its host.
  /// Once stopped, the board is never drawn again: a late tick once moved up over the lines
  /// labrun wrote below the final board and left a copy of it on the screen.
  @Test func stoppedBoardIsNeverRedrawn() {
    let output = Output()
    let printer = FleetProgressPrinter(
      hosts: ["gpu-01"], live: true, width: { 40 }, clock: { 0 }, sink: output.append)
    printer.started("gpu-01")
    printer.finished("gpu-01", outcome: "all PASS")
    let drawn = output.chunks.count
    printer.stop()
    printer.redraw()
    printer.finished("gpu-01", outcome: "all PASS")
    #expect(output.chunks.count == drawn)
  }

  @Test func plainLinesFromConcurrentHostsNeverInterleave() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let log = directory.url.appendingPathComponent("stderr.log")
    let writeEnd = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    #expect(writeEnd >= 0)
    let hosts = (1...16).map { "gpu-\($0)" }
    let printer = FleetProgressPrinter(hosts: hosts, live: false) { text in
      text.utf8CString.withUnsafeBufferPointer { buffer in
        _ = Glibc.write(writeEnd, buffer.baseAddress, buffer.count - 1)
      }
    }
    await withTaskGroup(of: Void.self) { group in
      for host in hosts {
        group.addTask {
          printer.started(host)
          for index in 1...50 {
            printer.handle(.stepStarted(Self.step(index, String(repeating: "x", count: 200))), host: host)
            printer.info(host, "note \(index)\nsecond line")
          }
          printer.finished(host, outcome: "all PASS")
        }
      }
    }
    close(writeEnd)
    let text = try String(contentsOf: log, encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.count == 16 * (2 + 50 * 3))
    let pattern =
      /^\[gpu-\d+\] (started|finished: all PASS|up \[\d+\/12\] x{200} started|note \d+|second line)$/
    #expect(lines.allSatisfy { (try? pattern.wholeMatch(in: String($0))) != nil })
  }
}

/// Collects what a printer writes.
final class Output: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [String] = []
  var chunks: [String] {
    lock.lock()
    defer { lock.unlock() }
    return stored
  }
  func append(_ text: String) {
    lock.lock()
    stored.append(text)
    lock.unlock()
  }
}
