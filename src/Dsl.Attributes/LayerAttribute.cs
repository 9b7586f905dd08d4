namespace Dsl;

/// <summary>
/// Base of every layer attribute. Layer attributes are only meaningful on a class that also carries
/// <see cref="NetworkAttribute"/>; elsewhere the generator reports an error.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
}
