import Foundation

/// Finds the lab.yaml for `--lab NAME|PATH`.
///
/// A value containing `/`, ending in `.yaml`/`.yml`, or naming an existing path is a PATH:
/// a lab.yaml file, or a directory holding one. Anything else is a NAME, looked up as
/// `NAME/lab.yaml` in, in order: `./labs`, each directory of `$LABRUN_LABS` (colon
/// separated), and the first `labs/` directory found walking up from the labrun
/// executable (so a binary built in a checkout finds the checkout's labs).
public struct LabLocator: Sendable {
  public var workingDirectory: URL
  public var environment: [String: String]
  public var executable: URL?

  public init(
    workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
    environment: [String: String] = ProcessInfo.processInfo.environment,
    executable: URL? = Bundle.main.executableURL
  ) {
    self.workingDirectory = workingDirectory
    self.environment = environment
    self.executable = executable
  }

  /// The lab.yaml file `spec` refers to.
  public func locate(_ spec: String) throws -> URL {
    let fileManager = FileManager.default
    let looksLikePath =
      spec.contains("/") || spec.hasSuffix(".yaml") || spec.hasSuffix(".yml")
      || fileManager.fileExists(atPath: workingDirectory.appendingPathComponent(spec).path)
    if looksLikePath {
      let url =
        spec.hasPrefix("/")
        ? URL(fileURLWithPath: spec) : workingDirectory.appendingPathComponent(spec)
      var isDirectory: ObjCBool = false
      if fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
        let file = isDirectory.boolValue ? url.appendingPathComponent("lab.yaml") : url
        if fileManager.fileExists(atPath: file.path) { return file.standardizedFileURL }
        throw LabDefinitionError.notFound(spec: spec, searched: [file.path])
      }
      throw LabDefinitionError.notFound(spec: spec, searched: [url.path])
    }
    let candidates = searchDirectories().map {
      $0.appendingPathComponent(spec, isDirectory: true).appendingPathComponent("lab.yaml")
    }
    if let found = candidates.first(where: { fileManager.fileExists(atPath: $0.path) }) {
      return found.standardizedFileURL
    }
    throw LabDefinitionError.notFound(spec: spec, searched: candidates.map(\.path))
  }

  /// Where lab names are looked up, in order.
  public func searchDirectories() -> [URL] {
    var directories = [workingDirectory.appendingPathComponent("labs", isDirectory: true)]
    for entry in (environment["LABRUN_LABS"] ?? "").split(separator: ":") where !entry.isEmpty {
      directories.append(URL(fileURLWithPath: String(entry), isDirectory: true))
    }
    if var directory = executable?.resolvingSymlinksInPath().deletingLastPathComponent() {
      while directory.path != "/" {
        let labs = directory.appendingPathComponent("labs", isDirectory: true)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: labs.path, isDirectory: &isDirectory), isDirectory.boolValue
        {
          directories.append(labs)
          break
        }
        directory = directory.deletingLastPathComponent()
      }
    }
    var seen = Set<String>()
    return directories.filter { seen.insert($0.standardizedFileURL.path).inserted }
  }
}
