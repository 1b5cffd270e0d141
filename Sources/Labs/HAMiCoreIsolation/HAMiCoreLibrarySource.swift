import Foundation

/// Where the lab's libvgpu.so comes from (`hami_core_lib`): extracted from the HAMi image (empty),
/// a file on the host (`/abs/path`), or a file on this machine (`local:PATH`) that labrun uploads
/// over the transport into the run's private directory, recording its SHA-256.
enum HAMiCoreLibrarySource: Sendable, Hashable {
  case image
  case host(path: String)
  case local(URL)

  static let localPrefix = "local:"

  /// Reads `hami_core_lib`; a relative path without `local:` is refused with what to give instead.
  init(_ text: String) throws(HAMiCorePreflightError) {
    if text.isEmpty {
      self = .image
    } else if text.hasPrefix(Self.localPrefix) {
      let path = String(text.dropFirst(Self.localPrefix.count))
      guard !path.isEmpty else { throw .libraryPathInvalid(value: text) }
      let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
      self = .local(URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL)
    } else if text.hasPrefix("/") {
      self = .host(path: text)
    } else {
      throw .libraryPathInvalid(value: text)
    }
  }
}
