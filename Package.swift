// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "halo-forge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "halo-forge", targets: ["halo-forge"]),
        .library(name: "HaloForgeVerify", targets: ["HaloForgeVerify"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        .target(name: "HaloForgeCore", swiftSettings: strictSettings),
        .target(name: "HaloForgeRender", swiftSettings: strictSettings),
        .target(name: "CSandbox", cSettings: [.define("_GNU_SOURCE")]),
        .target(
            name: "HaloForgeSandbox",
            dependencies: ["HaloForgeCore", "CSandbox"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HaloForgeVerify",
            dependencies: ["HaloForgeCore", "HaloForgeSandbox"],
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
        .target(name: "HaloForgeData", dependencies: ["HaloForgeCore"], resources: [.copy("Resources")], swiftSettings: strictSettings),
        .target(name: "HaloForgeEngine", dependencies: ["HaloForgeCore"], swiftSettings: strictSettings),
        .target(
            name: "HaloForgeRAFT",
            dependencies: [
                "HaloForgeCore", "HaloForgeVerify", "HaloForgeEngine", "HaloForgeData",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HaloForgeBench",
            dependencies: ["HaloForgeCore", "HaloForgeVerify", "HaloForgeEngine", "HaloForgeData", "HaloForgeRender"],
            swiftSettings: strictSettings
        ),
        // Whole runs that join RAFT and benchmarks (`benchmark full`, the demo, the self-test) and
        // the run plumbing the commands share: the one layer above both RAFT and Bench.
        .target(
            name: "HaloForgePipeline",
            dependencies: ["HaloForgeCore", "HaloForgeSandbox", "HaloForgeVerify", "HaloForgeEngine", "HaloForgeData", "HaloForgeRAFT", "HaloForgeBench"],
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HaloForgeServer",
            dependencies: ["HaloForgeCore", "HaloForgeEngine", .product(name: "FlyingFox", package: "FlyingFox")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HaloForgeDashboard",
            dependencies: [
                "HaloForgeCore", "HaloForgeRender",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "FlyingFox", package: "FlyingFox"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "halo-forge",
            dependencies: [
                "HaloForgeCore", "HaloForgeSandbox", "HaloForgeVerify", "HaloForgeData", "HaloForgeEngine", "HaloForgeBench", "HaloForgeRAFT", "HaloForgePipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "HaloForgeServer",
                "HaloForgeDashboard",
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .testTarget(name: "HaloForgeCoreTests", dependencies: ["HaloForgeCore"]),
        .testTarget(name: "HaloForgeDataTests", dependencies: ["HaloForgeData", "HaloForgeCore"]),
        .testTarget(name: "HaloForgeSandboxTests", dependencies: ["HaloForgeSandbox"]),
        .testTarget(name: "HaloForgeVerifyTests", dependencies: ["HaloForgeVerify", "HaloForgeData"]),
        .testTarget(name: "HaloForgeEngineTests", dependencies: ["HaloForgeEngine"]),
        .testTarget(name: "HaloForgeRAFTTests", dependencies: ["HaloForgeRAFT"]),
        .testTarget(name: "HaloForgeServerTests", dependencies: ["HaloForgeServer", "HaloForgeEngine", "HaloForgeCore"]),
        .testTarget(name: "HaloForgeDashboardTests", dependencies: ["HaloForgeDashboard", "HaloForgeRender", "HaloForgeRAFT", "HaloForgeCore"]),
        .testTarget(
            name: "HaloForgeBenchTests",
            dependencies: ["HaloForgeBench", "HaloForgeData", "HaloForgeVerify", "HaloForgeEngine", "HaloForgeRAFT"]),
        .testTarget(
            name: "HaloForgePipelineTests",
            dependencies: ["HaloForgePipeline", "HaloForgeBench", "HaloForgeData", "HaloForgeVerify", "HaloForgeEngine", "HaloForgeRAFT", "HaloForgeCore"]),
    ]
)
