/**
 * Minimal typings for logic-solver 2.0.1 (Meteor's MiniSat wrapper), which ships none.
 * Only the calls Cadre uses are declared.
 */
declare module 'logic-solver' {
  namespace Logic {
    type Term = string | number;
    interface Formula {
      readonly __formula: true;
    }
    type Operand = Term | Formula;
    interface Bits {
      readonly bits: readonly Operand[];
    }
    interface Solution {
      getTrueVars(): string[];
      evaluate(expression: Operand): boolean;
    }
    class Solver {
      require(...args: (Operand | Operand[])[]): void;
      forbid(...args: (Operand | Operand[])[]): void;
      solve(): Solution | null;
      solveAssuming(assumption: Operand): Solution | null;
    }
    const TRUE: Term;
    const FALSE: Term;
    function not(operand: Operand): Operand;
    function or(...operands: (Operand | Operand[])[]): Operand;
    function and(...operands: (Operand | Operand[])[]): Operand;
    function atMostOne(...operands: (Operand | Operand[])[]): Operand;
    function exactlyOne(...operands: (Operand | Operand[])[]): Operand;
    function sum(...operands: (Operand | Bits | (Operand | Bits)[])[]): Bits;
    function constantBits(n: number): Bits;
    function lessThanOrEqual(a: Bits, b: Bits): Operand;
  }
  export default Logic;
}
