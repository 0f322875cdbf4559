using ImageBuilder.Linux.Network;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// The network a sandbox's process gets: the host's, a namespace with only <c>lo</c>, or a
/// private network (a namespace with outbound TCP/UDP and DNS through a user-mode stack, the
/// host's loopback out of reach) — started for this sandbox alone, or one already running that
/// several sandboxes share (a build's steps), which its owner stops.
/// </summary>
public sealed class SandboxNetwork
{
    private readonly string name;

    private SandboxNetwork(string name, PrivateNetwork? shared)
    {
        this.name = name;
        Shared = shared;
    }

    /// <summary>The host's network namespace (<c>--network host</c>).</summary>
    public static SandboxNetwork Host { get; } = new("host", null);

    /// <summary>A new namespace with only <c>lo</c> (<c>--network none</c>).</summary>
    public static SandboxNetwork None { get; } = new("none", null);

    /// <summary>A private network started with the sandbox and stopped when its process ends (<c>ibuild run</c>).</summary>
    public static SandboxNetwork Private { get; } = new("private", null);

    /// <summary>The running private network the sandbox joins.</summary>
    public PrivateNetwork? Shared { get; }

    /// <summary>Joins a running private network shared with other sandboxes; its owner stops it.</summary>
    public static SandboxNetwork Join(PrivateNetwork network) => new("shared private", network);

    public override string ToString() => name;
}
