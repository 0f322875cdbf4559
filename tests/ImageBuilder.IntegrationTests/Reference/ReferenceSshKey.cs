using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// The ssh key the reference cases with an <c>ssh-agent</c> file give every builder
/// (<c>--ssh default=KEY</c>: BuildKit and ibuild each serve it from an agent of their own): an
/// ed25519 key made for the test run, readable by the rootless builder too (a throwaway key;
/// neither builder checks a key file's mode), removed when the test process exits.
/// </summary>
internal static class ReferenceSshKey
{
    private static readonly Lazy<string> Made = new(Make);

    public static string Path => Made.Value;

    private static string Make()
    {
        var dir = new TempDirectory("ibuild-ref-ssh-");
        var key = dir.Combine("key");
        ExternalTool.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "reference-key", "-f", key);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1ed);
        File.SetUnixFileMode(key, (UnixFileMode)0x1a4);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        return key;
    }
}
