using System.Diagnostics;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// An .xz file decompressed by the xz tool (`xz -dc`), for the filters SharpCompress does not
/// implement (Delta: it throws <see cref="NotImplementedException"/>); the tool, which containerd
/// also runs for xz layers, reads every filter. A non-zero exit at the end is invalid data.
/// Everything is read synchronously: this runs on file work's thread, which must not queue work
/// to the thread pool (see OverlayWorkspace); xz writes a line to stderr, then exits.
/// </summary>
internal sealed class XzTool : ForwardReadStream
{
    private readonly Process process;

    private XzTool(string path)
    {
        var start = new ProcessStartInfo("xz") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--decompress", "--stdout", "--", path })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            process = Process.Start(start) ?? throw new InvalidDataException("xz: the xz tool did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidDataException($"xz: this archive uses a filter only the xz tool reads, and it could not be run ({e.Message}); install xz-utils", e);
        }
    }

    /// <summary>SharpCompress's decoder when it reads the file's filters, else the xz tool.</summary>
    public static Stream Open(string path)
    {
        try
        {
            using var probe = new XzStreams(File.OpenRead(path));
            probe.ReadExactly(new byte[1]);
        }
        catch (NotImplementedException)
        {
            return new XzTool(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Broken or empty: SharpCompress says so again when the caller reads, as for the other formats.
        }

        return new XzStreams(File.OpenRead(path));
    }

    public override int Read(Span<byte> buffer)
    {
        var count = process.StandardOutput.BaseStream.Read(buffer);
        if (count == 0 && !buffer.IsEmpty)
        {
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidDataException($"xz: {process.StandardError.ReadToEnd().Trim()}");
            }
        }

        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.WaitForExit();
            process.Dispose();
        }

        base.Dispose(disposing);
    }
}
