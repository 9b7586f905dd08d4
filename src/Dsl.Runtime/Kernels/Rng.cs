using System.Numerics;

namespace Dsl.Runtime;

/// <summary>Small, fast, seedable random generator (xoshiro128**); a struct so it lives inside the network without allocation.</summary>
public struct Rng
{
    private uint _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four state words from <paramref name="seed"/> with SplitMix64.</summary>
    public Rng(ulong seed)
    {
        ulong z = seed;
        _s0 = (uint)SplitMix(ref z); _s1 = (uint)SplitMix(ref z); _s2 = (uint)SplitMix(ref z); _s3 = (uint)SplitMix(ref z);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    private static ulong SplitMix(ref ulong z)
    {
        ulong r = z += 0x9E3779B97F4A7C15UL;
        r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9UL;
        r = (r ^ (r >> 27)) * 0x94D049BB133111EBUL;
        return r ^ (r >> 31);
    }

    /// <summary>Next 32 random bits.</summary>
    public uint NextUInt32()
    {
        uint result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public float NextSingle() => (NextUInt32() >> 8) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, bound).</summary>
    public int NextInt(int bound) => (int)(((ulong)NextUInt32() * (uint)bound) >> 32);

    /// <summary>Permutes <paramref name="items"/> uniformly in place (Fisher–Yates), drawing one number per element.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Standard normal (Box–Muller).</summary>
    public float NextGaussian()
    {
        float u1 = 1.0f - NextSingle();
        float u2 = NextSingle();
        return MathF.Sqrt(-2.0f * MathF.Log(u1)) * MathF.Cos(2.0f * MathF.PI * u2);
    }
}
