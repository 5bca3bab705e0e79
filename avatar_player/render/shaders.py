"""GLSL 3.30 core shaders: one quad (4 vertices) per Gaussian disc, premultiplied output."""

VERTEX = """
#version 330 core
uniform sampler2D u_geometry;  // 3 texels per splat: centre, axis u, axis v (xyz)
uniform sampler2D u_colour;    // 1 texel per splat: rgb, opacity
uniform mat4 u_view;
uniform mat4 u_projection;
uniform float u_focal_px;      // pixels per metre at 1 m depth
uniform float u_min_sigma_px;  // smaller discs grow to this and fade (keeps coverage)
uniform float u_extent;        // quad half-size in sigmas (the tier's)
layout(location = 0) in uint a_splat;  // the splat of this vertex (corner: gl_VertexID % 4)
out vec2 v_offset;
flat out vec4 v_colour;

const vec2 CORNERS[4] = vec2[4](vec2(-1.0, -1.0), vec2(1.0, -1.0), vec2(-1.0, 1.0), vec2(1.0, 1.0));

vec4 fetch(sampler2D data, int i) {
    int width = textureSize(data, 0).x;
    return texelFetch(data, ivec2(i % width, i / width), 0);
}

void main() {
    int i = int(a_splat);
    vec3 centre = fetch(u_geometry, 3 * i).xyz;
    vec3 axis_u = fetch(u_geometry, 3 * i + 1).xyz;
    vec3 axis_v = fetch(u_geometry, 3 * i + 2).xyz;
    vec4 colour = fetch(u_colour, i);
    float pixels = u_focal_px / max(-(u_view * vec4(centre, 1.0)).z, 1e-3);
    float grow_u = max(u_min_sigma_px / max(length(axis_u) * pixels, 1e-6), 1.0);
    float grow_v = max(u_min_sigma_px / max(length(axis_v) * pixels, 1e-6), 1.0);
    colour.a /= grow_u * grow_v;
    vec2 offset = CORNERS[gl_VertexID % 4] * u_extent;
    vec3 world = centre + offset.x * grow_u * axis_u + offset.y * grow_v * axis_v;
    gl_Position = u_projection * u_view * vec4(world, 1.0);
    v_offset = offset;
    v_colour = colour;
}
"""

FRAGMENT = """
#version 330 core
in vec2 v_offset;
flat in vec4 v_colour;
out vec4 o_colour;

void main() {
    float alpha = v_colour.a * exp(-0.5 * dot(v_offset, v_offset));
    if (alpha < 1.0 / 255.0) discard;
    o_colour = vec4(v_colour.rgb * alpha, alpha);
}
"""
