/* One check shared by the codegen suites that test whole modules: after hloc's default pipeline,
 * the module run natively on 1 and on 2 threads matches the reference evaluator within a relative
 * tolerance, and the two thread counts agree bit for bit. */
#ifndef HLOC_TESTS_VS_EVAL_H
#define HLOC_TESTS_VS_EVAL_H

#include <stdint.h>

/* |text| is HLO; |id| names the module in failure messages; |seed| makes its random inputs. */
void tb_check_vs_eval(const char *text, int id, uint64_t seed, double tol);

#endif
