import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsEmail, IsInt, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';
import { formatFieldError } from '../errors/object.exception.js';
import { validateAs } from './validate-as.js';

class Line {
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
}

class Order {
  @IsString() @Length(1, 20) customer!: string;
  @IsOptional() @IsEmail() email?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => Line) lines!: Line[];

  total(): number {
    return this.lines.reduce((sum, line) => sum + line.quantity, 0);
  }
}

describe('validateAs', () => {
  it('returns an instance of the class, nested instances included', async () => {
    const outcome = await validateAs(Order, {
      customer: 'Ada',
      lines: [
        { sku: 'a', quantity: 2 },
        { sku: 'b', quantity: 3 },
      ],
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value).toBeInstanceOf(Order);
    expect(outcome.value.lines[1]).toBeInstanceOf(Line);
    expect(outcome.value.total()).toBe(5);
  });

  it('lists each field error with its path, nested paths as a.b[0].c', async () => {
    const outcome = await validateAs(Order, {
      customer: '',
      email: 'nope',
      lines: [
        { sku: 'a', quantity: 1 },
        { sku: 7, quantity: 0 },
      ],
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map(formatFieldError)).toEqual([
      'customer: customer must be longer than or equal to 1 characters',
      'email: email must be an email',
      'lines[1].sku: sku must be a string',
      'lines[1].quantity: quantity must not be less than 1',
    ]);
  });

  it('reports a missing required field and a non-object value', async () => {
    const missing = await validateAs(Order, { customer: 'Ada' });
    expect(!missing.ok && missing.errors.map(formatFieldError)).toEqual(['lines: lines must be an array']);
    for (const value of [null, 'text', 3, [1]]) {
      const outcome = await validateAs(Order, value);
      expect(!outcome.ok && outcome.errors.map(formatFieldError)[0]).toMatch(/^\(root\): must be an object \(Order\), not /);
    }
  });
});
