using System.Text;
using ImageBuilder.Core.Compression;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Compression;

/// <summary>Makes .xz inputs with the real xz tool at test time, and decodes them with <see cref="XzDecoderStream"/>.</summary>
internal static class XzTestFiles
{
    private static readonly string[] Words =
        ["layer", "image", "build", "RUN", "apt-get", "install", "-y", "COPY", "/usr/lib", "config", "digest", "sha256", "\n", "  ", "{", "}", "=", "0", "1"];

    /// <summary>Compresses <paramref name="data"/> with /usr/bin/xz (single-threaded unless the options say otherwise).</summary>
    public static byte[] Compress(byte[] data, params string[] options)
    {
        using var dir = new TempDirectory("ibuild-xz-");
        var path = dir.Combine("data");
        File.WriteAllBytes(path, data);
        ExternalTool.Run("xz", ["-k", "-f", "-T1", .. options, path]);
        return File.ReadAllBytes(path + ".xz");
    }

    /// <summary>Decodes all of <paramref name="xz"/>, reading <paramref name="bufferSize"/> bytes at a time from an input that hands out <paramref name="inputChunk"/> bytes per read.</summary>
    public static byte[] Decode(byte[] xz, int bufferSize = 81920, int inputChunk = int.MaxValue)
    {
        using var decoder = new XzDecoderStream(new Layers.ForwardOnlyStream(xz, inputChunk));
        using var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int count;
        while ((count = decoder.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, count);
        }

        return output.ToArray();
    }

    /// <summary>Text-like data: words from a small vocabulary, so it compresses well but not trivially.</summary>
    public static byte[] Text(int size, int seed = 1)
    {
        var random = new Random(seed);
        var text = new StringBuilder(size + 16);
        while (text.Length < size)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(' ');
        }

        return Encoding.ASCII.GetBytes(text.ToString(0, size));
    }

    /// <summary>Incompressible bytes.</summary>
    public static byte[] Noise(int size, int seed = 2)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Alternating stretches of text, noise, zero runs and structured binary (like a tar of a root filesystem).</summary>
    public static byte[] Mixed(int size, int seed = 3)
    {
        var random = new Random(seed);
        var data = new byte[size];
        var position = 0;
        while (position < size)
        {
            var length = Math.Min(size - position, random.Next(1, 40_000));
            var part = data.AsSpan(position, length);
            switch (random.Next(4))
            {
                case 0:
                    Text(length, random.Next()).CopyTo(part);
                    break;
                case 1:
                    random.NextBytes(part);
                    break;
                case 2:
                    part.Clear();
                    break;
                default:
                    for (var i = 0; i < part.Length; i++)
                    {
                        part[i] = (byte)((i * 7) ^ (i >> 5) ^ (i % 251 == 0 ? 0xE8 : 0));
                    }

                    break;
            }

            position += length;
        }

        return data;
    }
}
