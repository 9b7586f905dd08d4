namespace Dsl.Runtime;

/// <summary>Up-front argument checks shared by the kernels, so that every message names what was expected and what arrived.</summary>
internal static class Validate
{
    public static void Length(int actual, long expected, string name)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has {actual} elements but {expected} were expected.", name);
    }

    public static void LengthOrEmpty(int actual, long expected, string name)
    {
        if (actual != 0 && actual != expected)
            throw new ArgumentException($"{name} has {actual} elements but {expected} (or 0 to skip it) were expected.", name);
    }

    public static void AtLeast(int actual, long expected, string name)
    {
        if (actual < expected)
            throw new ArgumentException($"{name} has {actual} elements but at least {expected} are needed.", name);
    }

    public static void SameLength(int first, int second, string firstName, string secondName)
    {
        if (first != second)
            throw new ArgumentException($"{secondName} has {second} elements but {firstName} has {first}; they must match.", secondName);
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }

    public static void NonNegative(int value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
    }
}
