using System.Diagnostics;
using System.Formats.Tar;
using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>A scratch area with an empty snapshot directory and, beside it, an <see cref="OutsideWitness"/>.</summary>
internal sealed class LayerScratch : IDisposable
{
    private readonly TempDirectory temp = new("ibuild-unpack-");

    public LayerScratch()
    {
        Snapshot = temp.Combine("snapshot");
        Directory.CreateDirectory(Snapshot);
        Outside = new OutsideWitness(temp.Combine("outside"));
    }

    public string Snapshot { get; }

    public OutsideWitness Outside { get; }

    public string Combine(params string[] parts) => temp.Combine(parts);

    public string InSnapshot(string relative) => Path.Combine(Snapshot, relative);

    public Task<UnpackedLayer> UnpackAsync(byte[] blob) => UnpackAsync(blob, Snapshot);

    public static Task<UnpackedLayer> UnpackAsync(byte[] blob, string snapshot) =>
        new LayerUnpacker(new FileTreeWriter()).UnpackAsync(new MemoryStream(blob), snapshot, CancellationToken.None);

    public async Task<LayerFormatException> RefusedAsync(byte[] blob) =>
        await Assert.ThrowsAsync<LayerFormatException>(() => UnpackAsync(blob));

    public void Dispose() => temp.Dispose();
}

/// <summary>Tar building and external commands for the Linux layer tests.</summary>
internal static class LayerFixtures
{
    public static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);

    public static byte[] Tar(TarEntryFormat format, params TarEntry[] entries)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public static TarEntry Entry(TarEntryFormat format, TarEntryType type, string name, int mode, DateTimeOffset? time = null, string? content = null)
    {
        TarEntry entry = format switch
        {
            TarEntryFormat.Ustar => new UstarTarEntry(type, name),
            TarEntryFormat.Gnu => new GnuTarEntry(type, name),
            _ => new PaxTarEntry(type, name),
        };
        entry.Mode = (UnixFileMode)mode;
        entry.ModificationTime = time ?? Time;
        if (content is not null)
        {
            entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        }

        return entry;
    }

    /// <summary>Runs a command (through bash) and fails the test with its output when it fails.</summary>
    public static string Run(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"`{script}` failed ({process.ExitCode}): {error}");
        return output;
    }
}
