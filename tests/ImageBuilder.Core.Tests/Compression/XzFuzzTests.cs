namespace ImageBuilder.Core.Tests.Compression;

public sealed class XzFuzzTests
{
    [Fact]
    public void Mutated_files_give_either_invalid_data_or_the_original()
    {
        var random = new Random(20261123);
        var originals = new[] { XzTestFiles.Text(20_000, seed: 31), XzTestFiles.Mixed(60_000, seed: 32), XzTestFiles.Noise(3000, seed: 33) };
        var variants = new (byte[] Original, byte[] Xz)[]
        {
            (originals[0], XzTestFiles.Compress(originals[0], "--check=crc64")),
            (originals[1], XzTestFiles.Compress(originals[1], "--check=crc32", "--block-size=16KiB")),
            (originals[1], XzTestFiles.Compress(originals[1], "-T2", "--check=sha256", "--block-size=20KiB")),
            (originals[0], XzTestFiles.Compress(originals[0], "--delta=dist=2", "--lzma2=preset=2,dict=4KiB")),
            ([.. originals[2], .. originals[0]], [.. XzTestFiles.Compress(originals[2], "-0"), .. XzTestFiles.Compress(originals[0], "-9")]),
        };

        var outcomes = new Dictionary<string, int>();
        for (var iteration = 0; iteration < 400; iteration++)
        {
            var (original, xz) = variants[iteration % variants.Length];
            var mutated = Mutate(xz, random);
            try
            {
                var decoded = XzTestFiles.Decode(mutated, bufferSize: random.Next(1, 70_000));
                Assert.Equal(original, decoded);
                outcomes["original"] = outcomes.GetValueOrDefault("original") + 1;
            }
            catch (InvalidDataException)
            {
                outcomes["invalid"] = outcomes.GetValueOrDefault("invalid") + 1;
            }
        }

        Assert.True(outcomes.GetValueOrDefault("invalid") > 300, $"most mutations must be detected: {string.Join(", ", outcomes)}");
    }

    private static byte[] Mutate(byte[] xz, Random random)
    {
        var data = xz.ToList();
        var edits = random.Next(1, 4);
        for (var i = 0; i < edits; i++)
        {
            var at = random.Next(data.Count);
            switch (random.Next(6))
            {
                case 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                case 2:
                    data[at] = (byte)random.Next(256);
                    break;
                case 3:
                    data.RemoveRange(at, Math.Min(random.Next(1, 5), data.Count - at));
                    break;
                case 4:
                    data.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    data.RemoveRange(at, data.Count - at);
                    break;
            }

            if (data.Count == 0)
            {
                break;
            }
        }

        return [.. data];
    }
}
