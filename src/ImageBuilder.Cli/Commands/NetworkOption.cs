using ImageBuilder.Build.Engine;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>--network default|host|none</c>, as build and run take it (default: a private network).</summary>
internal static class NetworkOption
{
    public static NetworkMode Read(ArgumentReader reader, string command) => reader.Get("--network") switch
    {
        null or "default" => NetworkMode.Private,
        "host" => NetworkMode.Host,
        "none" => NetworkMode.None,
        var other => throw new UsageException($"{command}: --network must be default, host or none, not {other}"),
    };
}
