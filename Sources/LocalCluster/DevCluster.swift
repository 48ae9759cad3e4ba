import Foundation

extension LocalCluster {
    /// The development cluster under `./.mash-dev/` that `mashd --dev` starts and
    /// `mashctl --dev` talks to.
    public static func development(in directory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) -> LocalCluster {
        LocalCluster(directory: directory.appendingPathComponent(".mash-dev"))
    }

    /// The database the development cluster keeps mash-broker's data in.
    public static let developmentDatabase = "mash"
}
