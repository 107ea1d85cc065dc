{
  "targets": [
    {
      "target_name": "redis_shm",
      "sources": [
        "native/addon/addon.cc",
        "native/addon/bell_watcher.cc",
        "native/addon/registry.cc",
        "native/addon/native_segment.cc",
        "native/addon/segment.cc",
        "native/addon/wait_many.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/ring"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++1y"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-O2"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
