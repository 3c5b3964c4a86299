import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The host's own data, next to the module's tables in the same database. */
@Entity({ name: 'notes' })
export class Note {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'author_id', type: 'text' })
  authorId: string;

  @Column({ type: 'text' })
  text: string;
}
