using System.Security.Cryptography;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>
/// A directory beside the snapshot that hostile layers aim at. It holds a marker tree, and
/// <see cref="AssertUntouched"/> checks that not one name, inode, link count, mode, time or
/// byte in it changed, and that nothing was added.
/// </summary>
internal sealed class OutsideWitness
{
    private readonly Dictionary<string, string> before;

    public OutsideWitness(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.Combine(path, "sub"));
        File.WriteAllText(System.IO.Path.Combine(path, "secret"), "the host's secret\n");
        File.WriteAllText(System.IO.Path.Combine(path, "passwd"), "root:x:0:0::/root:/bin/sh\n");
        File.WriteAllText(System.IO.Path.Combine(path, "sub", "marker"), "marker\n");
        before = Fingerprint();
    }

    public string Path { get; }

    public void AssertUntouched() => Assert.Equal(before, Fingerprint());

    private Dictionary<string, string> Fingerprint()
    {
        var prints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Append(Path))
        {
            var status = NodeStatus.Of(path);
            var content = status.Type == "file" ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : string.Empty;
            prints[path] = $"{status} {content}";
        }

        return prints;
    }
}
