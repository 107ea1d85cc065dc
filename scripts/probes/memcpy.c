// memcpy bandwidth between resident buffers, and first-touch cost of fresh anonymous pages
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(void) {
  size_t n = 100u << 20;
  char *a = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  char *b = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  double t0 = now(); memset(a, 1, n); double t1 = now();
  printf("first touch (memset into fresh mmap, 100 MB): %.1f ms = %.2f GB/s (%.1f us/MB)\n", (t1-t0)*1e3, n/(t1-t0)/1e9, (t1-t0)*1e6/100);
  t0 = now(); memcpy(b, a, n); t1 = now();
  printf("memcpy into fresh (unfaulted) buffer: %.1f ms = %.2f GB/s\n", (t1-t0)*1e3, n/(t1-t0)/1e9);
  double best = 1e9, worst = 0, sum = 0;
  for (int i = 0; i < 10; i++) { t0 = now(); memcpy(b, a, n); t1 = now(); double d = t1-t0; sum += d; if (d < best) best = d; if (d > worst) worst = d; }
  printf("memcpy resident->resident 100 MB x10: mean %.1f ms (%.2f GB/s), worst %.1f ms (%.2f GB/s)\n", sum/10*1e3, n/(sum/10)/1e9, worst*1e3, n/worst/1e9);
  t0 = now(); volatile long s = 0; for (size_t i = 0; i < n; i += 64) s += a[i]; t1 = now();
  printf("read-only pass (1 byte per cache line): %.1f ms = %.2f GB/s\n", (t1-t0)*1e3, n/(t1-t0)/1e9);
  munmap(b, n);
  char *c = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0);
  t0 = now(); memcpy(c, a, n); t1 = now();
  printf("memcpy into MAP_POPULATE buffer: %.1f ms = %.2f GB/s\n", (t1-t0)*1e3, n/(t1-t0)/1e9);
  t0 = now(); munmap(c, n); t1 = now(); printf("munmap 100 MB: %.1f ms\n", (t1-t0)*1e3);
  t0 = now(); c = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0); t1 = now();
  printf("mmap MAP_POPULATE 100 MB (kernel zeroing + mapping): %.1f ms (%.1f us/MB)\n", (t1-t0)*1e3, (t1-t0)*1e6/100);
  return 0;
}
