import Foundation
import LabPipeline
import Labs
import TestSupport
import Testing

/// The labs compiled into labrun (the EmbedLabs plugin) are labs/ as it is now, byte for byte,
/// and each runs from its built-in copy alone.
@Suite struct BuiltInLabsTests {
  /// Every file of every lab directory under labs/, by lab and path.
  static func labsOnDisk() throws -> [String: [String: String]] {
    let labs = try TestPackage.root().appendingPathComponent("labs", isDirectory: true)
    var result: [String: [String: String]] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: labs.path).sorted() {
      let directory = labs.appendingPathComponent(name, isDirectory: true)
      guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("lab.yaml").path) else {
        continue
      }
      var files: [String: String] = [:]
      let walker = FileManager.default.enumerator(atPath: directory.path)
      while let path = walker?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        let url = directory.appendingPathComponent(path)
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
        {
          files[path] = try String(contentsOf: url, encoding: .utf8)
        }
      }
      result[name] = files
    }
    return result
  }

  /// `labs export` that fails half way (here `manifests` is a file, so nothing can go under
  /// it) takes back what it wrote: a retry after fixing the cause must not be refused for files
  /// of the failed attempt, and nothing the user had is touched.
  @Test func aFailedExportLeavesNothingBehind() throws {
    let directory = try TemporaryDirectory(prefix: "labrun-export")
    defer { directory.remove() }
    let blocker = directory.appending("manifests")
    try Data("mine\n".utf8).write(to: blocker)
    let lab = try #require(BuiltInLabs.named(LabRegistry.defaultLabName))
    #expect(throws: LabExportError.self) { try lab.export(to: directory.url) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["manifests"])
    #expect(try String(contentsOf: blocker, encoding: .utf8) == "mine\n")
  }

  @Test func builtInLabsAreTheLabsDirectoryAsBuilt() throws {
    let onDisk = try Self.labsOnDisk()
    #expect(!onDisk.isEmpty)
    #expect(BuiltInLabs.all.map(\.name) == onDisk.keys.sorted())
    for lab in BuiltInLabs.all {
      let files = try #require(onDisk[lab.name])
      #expect(lab.files.keys.sorted() == files.keys.sorted(), "\(lab.name): rebuild to embed labs/ anew")
      for (path, text) in files {
        #expect(lab.files[path] == text, "\(lab.name)/\(path) differs from the built-in copy; rebuild")
      }
    }
  }

  @Test(arguments: LabRegistry.names)
  func everyRegisteredLabIsBuiltInAndPlansFromItsBuiltInCopy(name: String) throws {
    let embedded = try #require(BuiltInLabs.named(name), "\(name) is registered but not built in")
    let lab = try LabRegistry.load(try LabDefinition.load(from: .builtIn(embedded)))
    #expect(lab.definition.source.recorded == "built-in:\(name)")
    for phase in Phase.allCases {
      // Planning renders the lab's manifests and probes: they must come from the built-in copy.
      _ = try Pipeline.plan(
        phase, steps: lab.steps(for: phase), parameters: lab.definition.defaults,
        target: TargetInfo(name: "planned", kind: .ssh))
    }
  }
}
